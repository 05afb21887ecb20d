/**
 * A persistent map from string keys to values, as plain JSON: a 32-way hash trie whose leaves
 * hold up to 32 `[key, value]` pairs. Setting or deleting a key copies only the nodes on its
 * path (O(log n)), so the machine's context can grow to 100,000 proposals or categories and stay
 * immutable without copying them all at every event. Any key is safe, `__proto__` included.
 *
 * @example
 * let t = emptyTable<number>();
 * t = tableSet(t, 'women', 3);
 * tableGet(t, 'women'); // 3
 */
export type Table<V> = TableLeaf<V> | TableBranch<V>;

/** Up to {@link LEAF_SIZE} entries, searched in order. */
export interface TableLeaf<V> {
  size: number;
  entries: Array<[string, V]>;
}

/** 32 children, chosen by 5 bits of the key's hash at each depth. */
export interface TableBranch<V> {
  size: number;
  children: Array<Table<V> | null>;
}

const LEAF_SIZE = 32;
const BITS = 5;
/** 6 levels use 30 bits of the hash; deeper, leaves grow (only on full hash collisions). */
const MAX_DEPTH = 6;

/** A table with no entry. */
export function emptyTable<V>(): Table<V> {
  return { size: 0, entries: [] };
}

/** How many keys the table holds. */
export function tableSize(table: Table<unknown>): number {
  return table.size;
}

/** The value of `key`, or undefined. */
export function tableGet<V>(table: Table<V>, key: string): V | undefined {
  // A table of one leaf (most of the context's: a phase's categories, the phases agreed) is
  // searched without hashing the key.
  if ('entries' in table) return leafGet(table, key);
  const hash = hashOf(key);
  let node: Table<V> | null = table;
  for (let depth = 0; node !== null; depth++) {
    if ('entries' in node) return leafGet(node, key);
    node = node.children[slot(hash, depth)] ?? null;
  }
  return undefined;
}

function leafGet<V>(leaf: TableLeaf<V>, key: string): V | undefined {
  const entries = leaf.entries;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as [string, V];
    if (entry[0] === key) return entry[1];
  }
  return undefined;
}

/** Whether the table holds `key`. */
export function tableHas(table: Table<unknown>, key: string): boolean {
  return tableGet(table, key) !== undefined;
}

/** A table with `key` set to `value`; `table` itself is unchanged. */
export function tableSet<V>(table: Table<V>, key: string, value: V): Table<V> {
  // A leaf at the top never reads the hash (a leaf that splits hashes its keys itself).
  return setAt(table, key, value, 'entries' in table ? 0 : hashOf(key), 0);
}

/** A table without `key`; `table` itself is unchanged. */
export function tableDelete<V>(table: Table<V>, key: string): Table<V> {
  return tableHas(table, key) ? deleteAt(table, key, hashOf(key), 0) : table;
}

/** Every `[key, value]`, in no particular order. */
export function* tableEntries<V>(table: Table<V>): Generator<[string, V]> {
  if ('entries' in table) {
    yield* table.entries;
    return;
  }
  for (const child of table.children) if (child !== null) yield* tableEntries(child);
}

/**
 * Whether `test` holds for some `[key, value]`, asked in {@link tableEntries}' order up to the
 * first that passes. A walk without a generator: the chart's eventless guards ask it at every
 * event of the talks, where a generator and its steps were most of what they allocated.
 */
export function tableSome<V>(table: Table<V>, test: (key: string, value: V) => boolean): boolean {
  if ('entries' in table) {
    const entries = table.entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as [string, V];
      if (test(entry[0], entry[1])) return true;
    }
    return false;
  }
  const children = table.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (child && tableSome(child, test)) return true;
  }
  return false;
}

/**
 * A table of `table`'s entries with `entries` set over them (a later duplicate key wins). Into
 * an empty table the nodes are built at once, in O(n) for n keys.
 */
export function tableSetAll<V>(table: Table<V>, entries: Iterable<[string, V]>): Table<V> {
  if (table.size > 0) {
    let updated = table;
    for (const [key, value] of entries) updated = tableSet(updated, key, value);
    return updated;
  }
  const unique = new Map<string, V>(entries);
  return build(
    [...unique].map(([key, value]) => ({ key, value, hash: hashOf(key) })),
    0,
  );
}

function build<V>(items: Array<{ key: string; value: V; hash: number }>, depth: number): Table<V> {
  if (items.length <= LEAF_SIZE || depth >= MAX_DEPTH) {
    return { size: items.length, entries: items.map((item) => [item.key, item.value]) };
  }
  const slots: Array<Array<{ key: string; value: V; hash: number }>> = Array.from(
    { length: 1 << BITS },
    () => [],
  );
  for (const item of items) slots[slot(item.hash, depth)]?.push(item);
  return {
    size: items.length,
    children: slots.map((part) => (part.length === 0 ? null : build(part, depth + 1))),
  };
}

function setAt<V>(node: Table<V>, key: string, value: V, hash: number, depth: number): Table<V> {
  if ('entries' in node) {
    const length = node.entries.length;
    let at = 0;
    while (at < length && (node.entries[at] as [string, V])[0] !== key) at++;
    const entries = node.entries.slice();
    if (at < length) {
      entries[at] = [key, value];
      return { size: node.size, entries };
    }
    entries.push([key, value]);
    if (entries.length <= LEAF_SIZE || depth >= MAX_DEPTH) return { size: node.size + 1, entries };
    let branch: Table<V> = { size: 0, children: new Array(1 << BITS).fill(null) };
    for (const [k, v] of entries) branch = setAt(branch, k, v, hashOf(k), depth);
    return branch;
  }
  const i = slot(hash, depth);
  const child = node.children[i] ?? emptyTable<V>();
  const updated = setAt(child, key, value, hash, depth + 1);
  const children = node.children.slice();
  children[i] = updated;
  return { size: node.size - child.size + updated.size, children };
}

function deleteAt<V>(node: Table<V>, key: string, hash: number, depth: number): Table<V> {
  if ('entries' in node) {
    return { size: node.size - 1, entries: node.entries.filter((entry) => entry[0] !== key) };
  }
  const i = slot(hash, depth);
  const child = node.children[i] ?? emptyTable<V>();
  const updated = deleteAt(child, key, hash, depth + 1);
  const children = node.children.slice();
  children[i] = updated.size === 0 ? null : updated;
  return { size: node.size - 1, children };
}

function slot(hash: number, depth: number): number {
  return (hash >>> (depth * BITS)) & ((1 << BITS) - 1);
}

/** FNV-1a, 32 bits, over UTF-16 code units. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
