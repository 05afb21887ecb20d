/**
 * Key paths of a report's figures, shared by the inspector's server and its page: a figure is
 * named by the keys leading to it in the replay JSON (`hostages.byPhase.0.days`).
 */

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

/** A leaf that differs between two JSON values: its {@link keyPath}, before and after. */
export type ChangedLeaf = [path: string, before: unknown, after: unknown];

/**
 * The primitive leaves that differ between two JSON values, as comparing their flattenings
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
  /** Leaves of `b` that `a` lacks or has another value at (`aHas`: whether `a` is there at all). */
  const added = (a: unknown, aHas: boolean, b: unknown): void => {
    // The same object: none of its leaves differ (reports replayed from one state share the
    // parts no event since has touched).
    if (aHas && a === b) return;
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
    if (bHas && a === b) return;
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

/**
 * A copy of a JSON value whose every list longer than `keep` holds only its last `keep`
 * entries, and for each list cut, by its {@link keyPath} (the indexes in it those of the whole),
 * how many entries were left out before those kept. {@link expandLists} puts each entry back at
 * its own index. The inspector's page shows the latest rows of a long list: a report of a
 * million events is 24 MB of JSON, what the page shows of it a few kilobytes.
 *
 * @example
 * cutLists({ a: [1, 2, 3] }, 2); // { value: { a: [2, 3] }, cut: { a: 1 } }
 */
export function cutLists(
  value: unknown,
  keep: number,
): { value: unknown; cut: Record<string, number> } {
  const cut: Record<string, number> = {};
  const copy = relist(value, (path, list) => {
    const from = Math.max(0, list.length - keep);
    if (from > 0) cut[path] = from;
    return { skip: from, shift: 0 };
  });
  return { value: copy, cut };
}

/**
 * The value {@link cutLists} gave, each list as long as the whole again, its kept entries at
 * their own indexes and nothing (holes) before them: a reader that asks a list's length, or an
 * entry by its index in the whole, gets what the whole report would give.
 */
export function expandLists(value: unknown, cut: Readonly<Record<string, number>>): unknown {
  return relist(value, (path) => ({
    skip: 0,
    shift: Object.hasOwn(cut, path) ? (cut[path] as number) : 0,
  }));
}

/**
 * A copy of a JSON value whose lists `plan` reshapes, given each list's key path: its first
 * `skip` entries are left out, and entry `i` is copied to index `i - skip + shift` and named by
 * index `i + shift` in the paths below it (`shift` holes before the first).
 */
function relist(
  value: unknown,
  plan: (path: string, list: readonly unknown[]) => { skip: number; shift: number },
): unknown {
  const path: string[] = [];
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      const { skip, shift } = plan(keyPath(...path), v);
      const out: unknown[] = new Array(Math.max(0, v.length - skip) + shift);
      for (let i = skip; i < v.length; i++) {
        path.push(String(i + shift));
        out[i - skip + shift] = copy(v[i]);
        path.pop();
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      path.push(key);
      // Defined, not assigned: a key named `__proto__` (a category a log names so) stays a key.
      Object.defineProperty(out, key, {
        value: copy((v as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      path.pop();
    }
    return out;
  };
  return copy(value);
}
