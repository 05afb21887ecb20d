import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { changedLeaves, cutLists, expandLists } from '../../inspector/keyPaths.js';
import { keyPath, splitKeyPath, valueAt } from '../../inspector/page/format.js';

// Issue 11, finding 9: a category or party named with a `.` was shown as "—" (the page split
// its key paths on every `.`).
describe('key paths of the page', () => {
  const report = {
    hostages: { byCategory: { 'civilians.f': 3, 'a\\b': 4, plain: 5 } },
    positions: { 'un.ocha': { pauseDays: 4 } },
  };

  it.each([
    [['hostages', 'byCategory', 'civilians.f'], 3],
    [['hostages', 'byCategory', 'a\\b'], 4],
    [['hostages', 'byCategory', 'plain'], 5],
    [['positions', 'un.ocha', 'pauseDays'], 4],
  ])('%j reads back through one string', (keys, value) => {
    expect(splitKeyPath(keyPath(...keys))).toEqual(keys);
    expect(valueAt(report, splitKeyPath(keyPath(...keys)))).toBe(value);
  });

  it('reads as the plain dotted path when no key holds a . or \\', () => {
    expect(keyPath('hostages', 'byPhase', 0, 'days')).toBe('hostages.byPhase.0.days');
  });

  it('names every leaf by a path that leads back to it', () => {
    for (const [keys, value] of flatten(report)) {
      expect(valueAt(report, splitKeyPath(keyPath(...keys)))).toBe(value);
    }
  });
});

/** Every primitive leaf by its keys, in the order JSON.stringify visits them (the oracle's own). */
function flatten(value: unknown, keys: string[] = [], out: Array<[string[], unknown]> = []) {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      flatten((value as Record<string, unknown>)[key], [...keys, key], out);
    }
  } else out.push([keys, value]);
  return out;
}

/** Sets or deletes one key of the `at`-th container of `value` (in place). */
function edit(value: unknown, [at, item, drop]: [number, unknown, boolean]): void {
  const containers: Array<Record<string, unknown>> = [];
  const collect = (v: unknown) => {
    if (v !== null && typeof v === 'object') {
      containers.push(v as Record<string, unknown>);
      for (const child of Object.values(v)) collect(child);
    }
  };
  collect(value);
  const target = containers[at % containers.length] as Record<string, unknown>;
  const keys = Object.keys(target);
  if (Array.isArray(target)) target[at % (target.length + 1)] = item;
  else if (drop && keys.length) delete target[keys[at % keys.length] as string];
  else target[`k${at}`] = item;
}

/**
 * `value` with the edit made on copies of the containers that lead to the one edited, all else
 * shared, as two reports replayed from one state share what no event since has touched.
 */
function editShared(value: unknown, [at, item, drop]: [number, unknown, boolean]): unknown {
  const paths: string[][] = [];
  const collect = (v: unknown, keys: string[]) => {
    if (v !== null && typeof v === 'object') {
      paths.push(keys);
      for (const [key, child] of Object.entries(v)) collect(child, [...keys, key]);
    }
  };
  collect(value, []);
  if (paths.length === 0) return value;
  const copy = (v: unknown): Record<string, unknown> =>
    Array.isArray(v)
      ? ([...v] as unknown as Record<string, unknown>)
      : { ...(v as Record<string, unknown>) };
  const root = copy(value);
  let node = root;
  for (const key of paths[at % paths.length] as string[]) {
    node[key] = copy(node[key]);
    node = node[key] as Record<string, unknown>;
  }
  edit(node, [0, item, drop]);
  return root;
}

/**
 * Two objects of JSON: unrelated, equal, one and the same, or the second the first with a few
 * keys changed (on a deep copy, or on copies of only the containers on the way).
 */
const report = fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 3 }), {
  maxKeys: 6,
});
const pairs = fc
  .tuple(
    report,
    report,
    fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean()), { maxLength: 4 }),
    fc.constantFrom('edited', 'other', 'same', 'identical', 'shared'),
  )
  .map(([before, other, edits, how]) => {
    if (how === 'other') return [before, other] as const;
    if (how === 'identical') return [before, before] as const;
    if (how === 'shared') {
      let after: unknown = before;
      for (const e of edits) after = editShared(after, e);
      return [before, after] as const;
    }
    const after = structuredClone(before) as unknown;
    if (how === 'edited') for (const e of edits) edit(after, e);
    return [before, after] as const;
  });

describe('what changed between two reports', () => {
  test.prop([pairs], { numRuns: 500 })(
    'is every leaf of the second that the first lacks or differs at, then every leaf the second lacks',
    ([before, after]) => {
      const a = new Map(flatten(before).map(([keys, v]) => [JSON.stringify(keys), v]));
      const b = new Map(flatten(after).map(([keys, v]) => [JSON.stringify(keys), v]));
      const expected: Array<[string[], unknown, unknown]> = [];
      for (const [id, value] of b) {
        if (!a.has(id) || a.get(id) !== value) expected.push([JSON.parse(id), a.get(id), value]);
      }
      for (const [id, value] of a)
        if (!b.has(id)) expected.push([JSON.parse(id), value, undefined]);
      expect(
        changedLeaves(before, after).map(([path, from, to]) => [splitKeyPath(path), from, to]),
      ).toEqual(expected);
    },
  );

  it('is nothing for equal values and names a leaf turned into a list and back', () => {
    expect(changedLeaves({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(changedLeaves({ a: 1 }, { a: [1] })).toEqual([
      ['a.0', undefined, 1],
      ['a', 1, undefined],
    ]);
    expect(changedLeaves({ 'x.y': [1] }, { 'x.y': 1 })).toEqual([
      ['x\\.y', undefined, 1],
      ['x\\.y.0', 1, undefined],
    ]);
  });
});

describe('long lists cut for the page and put back', () => {
  const withLists = fc.dictionary(
    fc.string({ maxLength: 3 }),
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.array(fc.oneof(fc.integer(), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 9 }))),
    ),
    { maxKeys: 5 },
  );

  test.prop([withLists, fc.integer({ min: 0, max: 6 })], { numRuns: 500 })(
    'keeps the last entries of each list, each back at its own index, and nothing else',
    (generated, keep) => {
      // A report as JSON gives it (a -0 comes back as 0 once sent, as every report is).
      const value = JSON.parse(JSON.stringify(generated)) as unknown;
      const { value: sent, cut } = cutLists(value, keep);
      // What is sent: no list longer than `keep`.
      const tooLong = (v: unknown): boolean =>
        v !== null &&
        typeof v === 'object' &&
        ((Array.isArray(v) && v.length > keep) || Object.values(v).some(tooLong));
      expect(tooLong(sent)).toBe(false);
      const back = expandLists(JSON.parse(JSON.stringify(sent)), cut);
      // Every leaf put back is the whole's at the same keys; every list is as long as the whole's.
      for (const [keys, leaf] of flatten(back)) expect(valueAt(value, keys)).toEqual(leaf);
      const lengths = (v: unknown, w: unknown): void => {
        if (v === null || typeof v !== 'object') return;
        if (Array.isArray(v)) expect((w as unknown[]).length).toBe(v.length);
        for (const key of Object.keys(v)) {
          if (Object.hasOwn(w as object, key)) {
            lengths((v as Record<string, unknown>)[key], (w as Record<string, unknown>)[key]);
          }
        }
      };
      lengths(value, back);
      // Every leaf of the whole whose every list index is among the last `keep` is put back.
      for (const [keys, leaf] of flatten(value)) {
        let at: unknown = value;
        let kept = true;
        for (const key of keys) {
          if (Array.isArray(at) && Number(key) < at.length - keep) kept = false;
          at = (at as Record<string, unknown>)[key];
        }
        if (kept) expect(valueAt(back, keys)).toEqual(leaf);
      }
    },
  );

  it('cuts nothing when every list is short, and names a cut list by its key path', () => {
    expect(cutLists({ a: [1, 2], b: { c: 'x' } }, 2)).toEqual({
      value: { a: [1, 2], b: { c: 'x' } },
      cut: {},
    });
    expect(cutLists({ 'x.y': [[1, 2, 3], 4] }, 1)).toEqual({
      value: { 'x.y': [4] },
      cut: { 'x\\.y': 1 },
    });
    expect(cutLists({ a: [[1, 2, 3]] }, 2)).toEqual({ value: { a: [[2, 3]] }, cut: { 'a.0': 1 } });
    // A key a log may name, kept as a key through the cut and back.
    const hostile = JSON.parse('{"__proto__":{"polluted":[1,2,3]}}') as unknown;
    const { value, cut } = cutLists(hostile, 1);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":[3]}}');
    expect(JSON.stringify(expandLists(JSON.parse(JSON.stringify(value)), cut))).toBe(
      '{"__proto__":{"polluted":[null,null,3]}}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
