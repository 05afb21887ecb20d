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
