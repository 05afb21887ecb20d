import { describe, expect, it } from 'vitest';
import {
  emptyTable,
  type Table,
  type TableBranch,
  tableDelete,
  tableEntries,
  tableGet,
  tableSet,
  tableSetAll,
  tableSize,
  tableSome,
} from '../../machines/index.js';

/**
 * The context tables are plain JSON kept in every replay snapshot (REPLAY_SNAPSHOT_VERSION 3):
 * their layout, as machines/table.ts documents it, is a format. A 32-way trie chosen by 5 bits of
 * the key's FNV-1a hash per level, leaves of up to 32 entries, 6 levels before leaves grow.
 * Expectations come from that description and from FNV-1a's published test vectors, never from
 * the code under test.
 */

const none = (): Array<Table<number> | null> => Array.from({ length: 32 }, () => null);
const leaf = (entries: Array<[string, number]>): Table<number> => ({
  size: entries.length,
  entries,
});
const branch = (at: Record<number, Table<number>>): TableBranch<number> => {
  const children = none();
  let size = 0;
  for (const [i, child] of Object.entries(at)) {
    children[Number(i)] = child;
    size += child.size;
  }
  return { size, children };
};

const isBranch = (t: Table<unknown>): t is TableBranch<unknown> => 'children' in t;

/** The depth of the deepest node. */
function depth(t: Table<unknown>): number {
  if (!isBranch(t)) return 0;
  return 1 + Math.max(0, ...t.children.map((c) => (c === null ? 0 : depth(c))));
}

/** Every leaf's entry count. */
function leafSizes(t: Table<unknown>): number[] {
  if (!isBranch(t)) return [t.size];
  return t.children.flatMap((c) => (c === null ? [] : leafSizes(c)));
}

/**
 * 40 keys with one and the same 32-bit FNV-1a hash (0x3b1a70dc, that of `ceasefire`), found
 * offline: FNV-1a's step `(h ^ unit) × 16777619` is invertible, so the last UTF-16 unit of a
 * 6-unit key can be solved for.
 */
const colliding = [
  'ceasefire',
  'aczkd\ua41e',
  'adqrc\u4d7c',
  'akhsv\u881a',
  'amqsz\u7f7b',
  'aquce\u768a',
  'arvdb\u6572',
  'ausgg\u0eea',
  'azdms\u772e',
  'batgi\u2068',
  'beyox\u83f8',
  'bfdoz\u45f2',
  'btmlk\u666f',
  'bujtg\ud05f',
  'bvqgb\u35f9',
  'byjcr\u33df',
  'bzwtz\ue5e8',
  'cjahi\uf8c4',
  'cjjxs\u525f',
  'ckqew\u1cf6',
  'cnrnu\uc687',
  'cqhae\u3dcd',
  'cxfnt\u03c6',
  'czhwh\u0ce3',
  'dbprr\uf7dd',
  'defac\u56a8',
  'dfflj\u1fa9',
  'dfqgy\uee6e',
  'djskw\ud60e',
  'dquri\ue24c',
  'dwcyi\u328b',
  'dyvkz\uc2fd',
  'edrza\u6067',
  'eduur\ub49c',
  'ekuzz\u59fc',
  'emyus\u2f0e',
  'eswzl\u75f0',
  'evbwk\u556e',
  'fdfoa\u899b',
  'fgder\u9b79',
];

describe('the table layout kept in snapshots', () => {
  it('finds a key where FNV-1a puts it, 5 bits a level, lowest bits first', () => {
    // FNV-1a("a") = 0xe40c292c: slot 12 at the root, 9 one level down.
    // FNV-1a("foobar") = 0xbf9cf968: slot 8 at the root, 11 one level down.
    const stored = branch({
      12: branch({ 9: leaf([['a', 1]]) }),
      8: branch({ 11: leaf([['foobar', 2]]) }),
    });
    expect(tableGet(stored, 'a')).toBe(1);
    expect(tableGet(stored, 'foobar')).toBe(2);
    expect(tableGet(stored, 'b')).toBeUndefined();
    expect(tableSize(stored)).toBe(2);
  });

  it('a key set into a stored table goes where a reader of the layout looks for it', () => {
    let stored: Table<number> = branch({ 12: branch({ 9: leaf([['a', 1]]) }) });
    stored = tableSet(stored, 'foobar', 2);
    const root = stored as TableBranch<number>;
    expect(root.children[8]).toEqual(leaf([['foobar', 2]]));
    expect(tableGet(stored, 'a')).toBe(1);
    expect(tableSize(stored)).toBe(2);
  });

  it('a leaf holds 32 entries; the 33rd key splits it into a branch', () => {
    const keys = Array.from({ length: 33 }, (_, i) => `category-${i}`);
    let t = emptyTable<number>();
    for (const [i, key] of keys.slice(0, 32).entries()) t = tableSet(t, key, i);
    expect(isBranch(t)).toBe(false);
    expect(leafSizes(t)).toEqual([32]);
    t = tableSet(t, 'category-32', 32);
    expect(isBranch(t)).toBe(true);
    expect(tableSize(t)).toBe(33);
    expect(leafSizes(t).reduce((a, b) => a + b, 0)).toBe(33);
    for (const [i, key] of keys.entries()) expect(tableGet(t, key)).toBe(i);
    // Built at once, the same 32 and 33 keys give the same nodes.
    const entries = keys.map((key, i): [string, number] => [key, i]);
    expect(tableSetAll(emptyTable<number>(), entries.slice(0, 32))).toEqual(
      entries.slice(0, 32).reduce((acc, [k, v]) => tableSet(acc, k, v), emptyTable<number>()),
    );
    expect(tableSetAll(emptyTable<number>(), entries)).toEqual(t);
  });

  it('thousands of keys built at once or one by one give the same nodes, no leaf over 32', () => {
    const entries = Array.from({ length: 2_000 }, (_, i): [string, number] => [`p${i}`, i]);
    const oneByOne = entries.reduce((acc, [k, v]) => tableSet(acc, k, v), emptyTable<number>());
    const atOnce = tableSetAll(emptyTable<number>(), entries);
    expect(atOnce).toEqual(oneByOne);
    expect(Math.max(...leafSizes(atOnce))).toBeLessThanOrEqual(32);
    // 2,000 keys over 32-way levels: a root and one level of branches, leaves below.
    expect(depth(atOnce)).toBe(2);
  });

  it('keys whose hashes are equal in every bit share one leaf 6 levels down, and stay apart', () => {
    let t = emptyTable<number>();
    for (const [i, key] of colliding.entries()) t = tableSet(t, key, i);
    expect(tableSize(t)).toBe(40);
    expect(depth(t)).toBe(6);
    expect(leafSizes(t)).toEqual([40]);
    for (const [i, key] of colliding.entries()) expect(tableGet(t, key)).toBe(i);
    const atOnce = tableSetAll(
      emptyTable<number>(),
      colliding.map((k, i) => [k, i]),
    );
    expect(atOnce).toEqual(t);
    const without = tableDelete(t, 'ceasefire');
    expect(tableGet(without, 'ceasefire')).toBeUndefined();
    expect(tableGet(without, colliding[1] ?? '')).toBe(1);
    expect(tableSize(without)).toBe(39);
  });

  it('deleting from a branch leaves the table it came from unchanged, and frees emptied nodes', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const full = keys.reduce((acc, k, i) => tableSet(acc, k, i), emptyTable<number>());
    const before = JSON.stringify(full);
    let t = full;
    for (const key of keys.slice(0, 99)) t = tableDelete(t, key);
    expect(JSON.stringify(full)).toBe(before);
    expect(tableGet(full, 'k0')).toBe(0);
    expect([...tableEntries(t)]).toEqual([['k99', 99]]);
    // The one key left hangs from a single path: every other child was freed, not kept empty.
    const live = (n: Table<unknown>): number =>
      isBranch(n) ? n.children.filter((c) => c !== null).reduce((s, c) => s + live(c), 0) : 1;
    expect(live(t)).toBe(1);
    expect(tableSize(tableDelete(t, 'k99'))).toBe(0);
  });
});

describe('asking whether some entry passes a test', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
  const table = keys.reduce((acc, k, i) => tableSet(acc, k, i), emptyTable<number>());

  it('asks about the entries in the order they are listed, and stops at the first that passes', () => {
    const listed = [...tableEntries(table)];
    const asked: Array<[string, number]> = [];
    const target = listed[150] as [string, number];
    expect(
      tableSome(table, (key, value) => {
        asked.push([key, value]);
        return key === target[0];
      }),
    ).toBe(true);
    expect(asked).toEqual(listed.slice(0, 151));
  });

  it('finds every key of a branch and of a leaf; none passes in an empty table', () => {
    for (const t of [table, tableSet(emptyTable<number>(), 'only', 7)]) {
      for (const [key, value] of tableEntries(t)) {
        expect(tableSome(t, (k, v) => k === key && v === value)).toBe(true);
      }
      expect(tableSome(t, (k) => k === 'absent')).toBe(false);
    }
    expect(tableSome(emptyTable<number>(), () => true)).toBe(false);
  });
});
