import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex, type IdIndexParts, writeIdFingerprint } from '../../events/index.js';
import { numRuns, seed } from '../properties/settings.js';

describe('IdIndex', () => {
  it.each([
    ['exact', 1_000_000],
    ['fingerprints', 10],
  ])('finds every repeated id and only those (%s)', (_mode, exactLimit) => {
    const ids = new IdIndex({ exactLimit });
    for (let line = 1; line <= 50_000; line++) {
      expect(ids.firstLine(`ev-${line}`)).toBeUndefined();
      ids.add(`ev-${line}`, line);
    }
    expect(ids.size).toBe(50_000);
    const lineOf = (n: number) => (exactLimit > 50_000 ? n : 0);
    expect(ids.firstLine('ev-1')).toBe(lineOf(1));
    expect(ids.firstLine('ev-12345')).toBe(lineOf(12_345));
    expect(ids.firstLine('ev-50000')).toBe(lineOf(50_000));
    expect(ids.firstLine('ev-50001')).toBeUndefined();
    expect(ids.firstLine('')).toBeUndefined();
  });

  it('files each id under its own fingerprint, whichever id was asked about last', () => {
    const ids = new IdIndex({ exactLimit: 0 });
    expect(ids.firstLine('asked')).toBeUndefined();
    ids.add('added', 1);
    ids.add('other', 2);
    expect(ids.firstLine('asked')).toBeUndefined();
    expect(ids.firstLine('added')).toBe(0);
    expect(ids.firstLine('other')).toBe(0);
    expect(ids.firstLine('more')).toBeUndefined();
    ids.add('more', 3);
    expect(ids.firstLine('more')).toBe(0);
    expect(ids.size).toBe(3);
  });

  it('given an id asked about and then another added to the slot its probe ended on, when the first is added, then both are found', () => {
    // Two ids whose fingerprints start in the same slot of the first table (1,024 slots).
    const words = new Uint32Array(2);
    const homes = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let n = 0; pair === undefined; n++) {
      writeIdFingerprint(`id-${n}`, words, 0);
      const home = (words[1] as number) & 1023;
      const earlier = homes.get(home);
      if (earlier === undefined) homes.set(home, `id-${n}`);
      else pair = [earlier, `id-${n}`];
    }
    const [asked, other] = pair;
    const ids = IdIndex.ofFingerprints(new Uint32Array(0), 0);
    expect(ids.firstLine(asked)).toBeUndefined();
    ids.add(other, 1);
    ids.add(asked, 2);
    expect([ids.firstLine(other), ids.firstLine(asked), ids.size]).toEqual([0, 0, 2]);
  });

  it('finds an id asked about just before the table grew to take it', () => {
    const ids = IdIndex.ofFingerprints(new Uint32Array(0), 0);
    const crossings: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const id = `grow-${n}`;
      expect(ids.firstLine(id)).toBeUndefined();
      // The table of 1,024 slots grows as the 513th id arrives, then at 1,025 and 2,049.
      if (n === 512 || n === 1024 || n === 2048 || n === 4096) crossings.push(id);
      ids.add(id, n);
    }
    expect(crossings.map((id) => ids.firstLine(id))).toEqual([0, 0, 0, 0]);
    expect(ids.size).toBe(5000);
  });

  it('given an id found new above its run, and a higher one added first, when it is added, then all are found', () => {
    const ids = new IdIndex({ exactLimit: 0 });
    ids.add('gen-1', 1);
    expect(ids.firstLine('gen-5')).toBeUndefined();
    ids.add('gen-9', 2);
    ids.add('gen-5', 3);
    expect(['gen-1', 'gen-5', 'gen-7', 'gen-9', 'gen-10'].map((id) => ids.firstLine(id))).toEqual([
      0,
      0,
      undefined,
      0,
      undefined,
    ]);
    expect(ids.size).toBe(3);
  });

  it('answers as a map of every id added would, whatever the ids and their order (fast-check)', () => {
    // Ids that count up are kept as numbers in runs, the others in the table: the answers are
    // those of the plain map of first lines (exact up to the limit, 0 past it).
    const prefix = fc.oneof(
      fc.constantFrom('gen-', 'nov23-', '', 'a', 'x1y-'),
      fc.integer({ min: 0, max: 80 }).map((k) => `p${k}-`),
    );
    const id = fc.oneof(
      fc
        .tuple(prefix, fc.integer({ min: 0, max: 40 }), fc.boolean())
        .map(([p, n, padded]) => `${p}${padded ? String(n).padStart(3, '0') : n}`),
      fc.tuple(prefix, fc.bigInt({ min: 0n, max: 10n ** 17n })).map(([p, n]) => `${p}${n}`),
      fc.string({ maxLength: 4 }),
    );
    const counting = fc
      .tuple(prefix, fc.integer({ min: 1, max: 300 }))
      .map(([p, n]) => Array.from({ length: n }, (_, i) => `${p}${i * 3}`));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            id.map((one) => [one]),
            counting,
          ),
          { maxLength: 40 },
        ),
        fc.constantFrom(0, 5, 200, 1_000_000),
        (groups, exactLimit) => {
          const ids = new IdIndex({ exactLimit });
          const first = new Map<string, number>();
          let line = 0;
          for (const group of groups) {
            for (const one of group) {
              line++;
              const known = first.get(one);
              const expected =
                known === undefined ? undefined : first.size <= exactLimit ? known : 0;
              expect(ids.firstLine(one)).toBe(expected);
              if (known === undefined) {
                first.set(one, line);
                ids.add(one, line);
              }
            }
          }
          expect(ids.size).toBe(first.size);
          for (const [one, at] of first) {
            expect(ids.firstLine(one)).toBe(first.size <= exactLimit ? at : 0);
          }
        },
      ),
      { numRuns, seed },
    );
  });

  it("gives each id the fingerprint the cache's ids files hold (the values truce wrote before 4 December 2026), the one an index of fingerprints looks for", () => {
    const known: Array<[string, number, number]> = [
      ['gen-1', 1375190619, 37040458],
      ['nov23-001', 3506294097, 1726697405],
      ['', 2166136261, 3954623016],
      ['ß∂ƒ', 3605754786, 3743865638],
      ['\u{1F600}', 3409036472, 2148788507],
      ['x'.repeat(40), 2226015845, 717675110],
    ];
    const words = new Uint32Array(2 * known.length);
    for (const [i, [id]] of known.entries()) writeIdFingerprint(id, words, i);
    expect(Array.from(words)).toEqual(known.flatMap(([, hi, lo]) => [hi, lo]));
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1 }), (ids) => {
        const prints = new Uint32Array(2 * ids.length);
        for (const [i, id] of ids.entries()) writeIdFingerprint(id, prints, i);
        const index = IdIndex.ofFingerprints(prints, ids.length);
        return ids.every((id) => index.firstLine(id) === 0);
      }),
      { numRuns, seed },
    );
  });

  it('given an index past its exact ids saved and loaded back (toParts, fromParts), then it answers as the map of every id added, and goes on adding (fast-check)', () => {
    const id = fc.oneof(
      fc
        .tuple(fc.constantFrom('gen-', 'a', 'x-'), fc.nat({ max: 3000 }))
        .map(([p, n]) => `${p}${n}`),
      fc.string({ maxLength: 5 }),
    );
    fc.assert(
      fc.property(
        fc.array(id, { minLength: 1, maxLength: 3000 }),
        fc.array(id, { maxLength: 200 }),
        (before, after) => {
          const ids = new IdIndex({ exactLimit: 0 });
          const first = new Map<string, number>();
          const add = (index: IdIndex, one: string) => {
            if (first.has(one)) return;
            first.set(one, first.size + 1);
            index.add(one, first.size);
          };
          for (const one of before) add(ids, one);
          const parts = ids.toParts();
          expect(parts?.exact).toBeUndefined();
          const loaded = IdIndex.fromParts(parts as IdIndexParts) as IdIndex;
          expect(loaded.size).toBe(first.size);
          for (const one of [...before, ...after]) {
            expect(loaded.firstLine(one)).toBe(first.has(one) ? 0 : undefined);
          }
          for (const one of after) {
            if (!first.has(one)) expect(loaded.firstLine(one)).toBeUndefined();
            add(loaded, one);
            expect(loaded.firstLine(one)).toBe(0);
          }
          expect(loaded.size).toBe(first.size);
        },
      ),
      { numRuns, seed },
    );
  });

  it('gives its exact ids with their lines while it keeps them', () => {
    const ids = new IdIndex({ exactLimit: 3 });
    ids.add('b', 1);
    ids.add('a', 2);
    expect([...(ids.toParts()?.exact ?? [])]).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
    expect(IdIndex.ofFingerprints(new Uint32Array(0), 0).toParts()).toBeUndefined();
  });

  it('refuses parts no index could have: numbers that do not increase or fit the run, a table not a power of two, fuller than half, or with a fingerprint its probe would not reach', () => {
    const ids = new IdIndex({ exactLimit: 0 });
    for (let n = 1; n <= 20; n++) ids.add(`gen-${n}`, n);
    for (let n = 0; n < 20; n++) ids.add(`x${String.fromCharCode(97 + n)}`, 20 + n);
    const good = ids.toParts() as IdIndexParts;
    expect(IdIndex.fromParts(good)?.size).toBe(40);
    const run = good.runs[0] as IdIndexParts['runs'][number];
    const withRun = (change: Partial<IdIndexParts['runs'][number]>) =>
      IdIndex.fromParts({ ...good, runs: [{ ...run, ...change }, ...good.runs.slice(1)] });
    expect(withRun({ values: Float64Array.from([1, 3, 2]) })).toBeUndefined();
    expect(withRun({ values: Float64Array.from([1, 1]) })).toBeUndefined();
    expect(withRun({ width: 1, values: Float64Array.from([1, 10]) })).toBeUndefined();
    expect(withRun({ values: Float64Array.from([0.5]) })).toBeUndefined();
    expect(withRun({ prefix: 'gen-1' })).toBeUndefined();
    expect(IdIndex.fromParts({ ...good, runs: [run, run] })).toBeUndefined();
    expect(IdIndex.fromParts({ ...good, slots: good.slots.subarray(0, 1536) })).toBeUndefined();
    const full = new Uint32Array(2048);
    for (let slot = 0; slot < 600; slot++) {
      full[2 * slot] = 7;
      full[2 * slot + 1] = slot;
    }
    expect(IdIndex.fromParts({ runs: [], slots: full })).toBeUndefined();
    expect(
      IdIndex.fromParts({ runs: [], slots: full.map((w, i) => (i >= 2 * 500 ? 0 : w)) })?.size,
    ).toBe(500);
    // A fingerprint at slot 9 whose home is slot 5, with slot 7 empty between: not reachable.
    const gap = new Uint32Array(2048);
    for (const slot of [5, 6, 8]) [gap[2 * slot], gap[2 * slot + 1]] = [3, slot];
    expect(IdIndex.fromParts({ runs: [], slots: gap })?.size).toBe(3);
    [gap[18], gap[19]] = [3, 5];
    expect(IdIndex.fromParts({ runs: [], slots: gap })).toBeUndefined();
    [gap[14], gap[15]] = [3, 7];
    expect(IdIndex.fromParts({ runs: [], slots: gap })?.size).toBe(5);
    // Around the end of the table: home 1023, at slot 0.
    const wrap = new Uint32Array(2048);
    [wrap[2046], wrap[2047], wrap[0], wrap[1]] = [3, 1023, 3, 1023];
    expect(IdIndex.fromParts({ runs: [], slots: wrap })?.size).toBe(2);
  });
});
