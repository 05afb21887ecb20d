/** How a figure of the replay JSON is written on the page; tests use the same rule. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  return JSON.stringify(value);
}

/** The value at a dotted key path of a report, e.g. `hostages.byPhase.0.days`. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * A key path as one string, e.g. `hostages.byCategory.women`: keys joined by `.`, with a `.` or
 * `\` inside a key escaped by `\`, so that a category or party named `a.b` stays one key.
 * A path of keys without either character reads exactly as before.
 *
 * @example
 * keyPath('hostages', 'byCategory', 'civilians.f'); // 'hostages.byCategory.civilians\\.f'
 */
export function keyPath(...keys: ReadonlyArray<string | number>): string {
  return keys.map((key) => String(key).replace(/[\\.]/g, '\\$&')).join('.');
}

/** The keys of a {@link keyPath}. */
export function splitKeyPath(path: string): string[] {
  const keys: string[] = [];
  let key = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    if (char === '\\' && i + 1 < path.length) {
      key += path[++i];
    } else if (char === '.') {
      keys.push(key);
      key = '';
    } else {
      key += char;
    }
  }
  keys.push(key);
  return keys;
}

/** Every primitive leaf of a JSON value with its {@link keyPath}. */
export function leaves(value: unknown, prefix: string[] = [], out = new Map<string, unknown>()) {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) leaves(child, [...prefix, key], out);
  } else {
    out.set(keyPath(...prefix), value);
  }
  return out;
}

/** A leaf that differs between two JSON values: its {@link keyPath}, before and after. */
export type ChangedLeaf = [path: string, before: unknown, after: unknown];

/**
 * The primitive leaves that differ between two JSON values, as comparing their {@link leaves}
 * finds them and in that order: first each leaf of `after` that `before` lacks or has another
 * value at (in `after`'s order), then each leaf of `before` that `after` lacks (in `before`'s
 * order). Both are walked side by side and a path is written only for a leaf that changed: a
 * report of a million events has a million leaves, and flattening both into maps of paths took
 * the page 3.3 s a step.
 *
 * @example
 * changedLeaves({ a: 1, b: [2] }, { a: 1, b: [3] }); // [['b.0', 2, 3]]
 */
export function changedLeaves(before: unknown, after: unknown): ChangedLeaf[] {
  const changed: ChangedLeaf[] = [];
  const path: string[] = [];
  const isNode = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object';
  /** Leaves of `b`, with the value `a` has at each path (`missing` when it has none). */
  const added = (a: unknown, aHas: boolean, b: unknown): void => {
    if (isNode(b)) {
      const inA = aHas && isNode(a);
      for (const key of Object.keys(b)) {
        path.push(key);
        const has = inA && Object.hasOwn(a as object, key);
        added(has ? (a as Record<string, unknown>)[key] : undefined, has, b[key]);
        path.pop();
      }
    } else if (!aHas || isNode(a) || a !== b) {
      changed.push([keyPath(...path), aHas && !isNode(a) ? a : undefined, b]);
    }
  };
  /** Leaves of `a` that `b` lacks. */
  const removed = (a: unknown, b: unknown, bHas: boolean): void => {
    if (isNode(a)) {
      const inB = bHas && isNode(b);
      for (const key of Object.keys(a)) {
        path.push(key);
        const has = inB && Object.hasOwn(b as object, key);
        removed(a[key], has ? (b as Record<string, unknown>)[key] : undefined, has);
        path.pop();
      }
    } else if (!bHas || isNode(b)) {
      changed.push([keyPath(...path), a, undefined]);
    }
  };
  added(before, true, after);
  removed(before, after, true);
  return changed;
}
