import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks, writeCompactItems, writeCompactJson } from '../../replay/index.js';
import { checkProperty } from '../properties/settings.js';

/** The pieces {@link writeCompactJson} hands over, in order. */
function piecesOf(value: unknown): string[] {
  const pieces: string[] = [];
  writeCompactJson(value, (piece) => pieces.push(piece));
  return pieces;
}

/** The length of the longest piece. */
const longest = (pieces: readonly string[]) => Math.max(...pieces.map((p) => p.length));

describe('a report written in pieces', () => {
  it('joins to exactly JSON.stringify(value, null, 2), whatever the value (fast-check)', () => {
    const wide = fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 60, maxLength: 140 });
    // Long enough that an array is written in several runs, some items too large for a piece.
    const long = fc.oneof(
      fc.array(
        fc.oneof(fc.integer(), fc.string(), fc.constant(undefined), fc.constant({ a: [1] })),
        {
          minLength: 300,
          maxLength: 700,
        },
      ),
      fc.tuple(fc.array(fc.integer(), { minLength: 1030, maxLength: 1040 }), fc.jsonValue()),
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(fc.string(), fc.oneof(wide, fc.jsonValue())),
      wide,
      fc.record({ proposals: wide, more: fc.dictionary(fc.string(), wide) }),
      fc.record({
        a: fc.record({ b: fc.record({ c: long }) }),
        d: fc.array(long, { maxLength: 2 }),
      }),
    );
    checkProperty(
      'json-chunks-equal-stringify',
      fc.property(value, fc.integer({ min: 1, max: 5000 }), (v, size) => {
        const joined = [...jsonChunks(v, size)].join('');
        if (joined !== JSON.stringify(v, null, 2)) throw new Error('the pieces differ');
        // The checkpoint cache's compact form: exactly JSON.stringify(value).
        const compact = piecesOf(v).join('');
        if (compact !== JSON.stringify(v)) throw new Error('the compact pieces differ');
      }),
      () => [],
    );
  });

  it('gives pieces of about the size asked, not one string of the whole', () => {
    const report = { proposals: Array.from({ length: 5000 }, (_, i) => ({ id: `p${i}`, n: i })) };
    const pieces = [...jsonChunks(report, 4096)];
    expect(pieces.length).toBeGreaterThan(10);
    // The size asked, plus at most one run of items written by one JSON.stringify (1,024 values).
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(4096 + 24_000);
    expect(pieces.join('')).toBe(JSON.stringify(report, null, 2));
    const compact = piecesOf(report);
    expect(compact.length).toBeGreaterThan(10);
    expect(compact.join('')).toBe(JSON.stringify(report));
  });

  it('given a checkpoint whose one edit holds a giant list, then that edit is written piece by piece: no piece of 64 KB', () => {
    const giant = Array.from({ length: 60_000 }, (_, i) => ({
      id: `p${i}`,
      n: i,
      at: 'x'.repeat(i % 90),
    }));
    const checkpoint = {
      format: 'truce-checkpoint',
      // Left out, as JSON.stringify leaves them out.
      skipped: undefined,
      fn: () => 1,
      edits: [
        [['seq'], 7],
        [['projection', 'proposals'], giant],
        [['machine', 'context'], { deep: [[giant.slice(0, 20_000)]], after: 'é'.repeat(50) }],
        [['projection', 'obligations', 3], { due: 'soon' }],
      ],
      from: null,
    };
    const pieces = piecesOf(checkpoint);
    expect(pieces.join('')).toBe(JSON.stringify(checkpoint));
    expect(pieces.length).toBeGreaterThan(100);
    expect(longest(pieces)).toBeLessThan(64_000);
    // The same in the report's pretty form, each piece as it comes (size 1).
    const pretty = [...jsonChunks(checkpoint, 1)];
    expect(pretty.join('')).toBe(JSON.stringify(checkpoint, null, 2));
    expect(pretty.length).toBeGreaterThan(100);
    expect(longest(pretty)).toBeLessThan(64_000);
  });

  it('given a list of long strings, or an object of long keys, then they count by their length: no piece of 64 KB', () => {
    const strings = Array.from({ length: 900 }, (_, i) => `${i}`.padEnd(2000, 'ab'));
    const keys = Object.fromEntries(strings.map((s, i) => [s, i]));
    for (const value of [strings, keys, { list: [strings, 'x'] }, [1, { keys }]]) {
      const pieces = piecesOf(value);
      expect(pieces.join('')).toBe(JSON.stringify(value));
      expect(longest(pieces)).toBeLessThan(64_000);
    }
  });

  it('given one string longer than a piece, then it is one piece of its own, the pieces about it small', () => {
    const long = 'z'.repeat(300_000);
    const value = { before: Array.from({ length: 3000 }, (_, i) => i), long, list: [1, long, 2] };
    const pieces = piecesOf(value);
    expect(pieces.join('')).toBe(JSON.stringify(value));
    expect(pieces.filter((p) => p.length > 64_000)).toEqual([`"${long}"`, `"${long}"`]);
  });

  it("given small values, or values with no JSON text, then the text is JSON.stringify's in one piece", () => {
    for (const value of [
      1,
      'a',
      null,
      undefined,
      () => 1,
      [undefined, () => 1],
      { a: undefined },
      {},
      [],
    ]) {
      expect(piecesOf(value)).toEqual([JSON.stringify(value) ?? 'null']);
    }
  });

  /** Values JSON.stringify treats each its own way, and sizes on either side of a piece. */
  const awkward = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constant(undefined),
    fc.constant(() => 1),
    fc.constant(Symbol('s')),
    fc.constantFrom([], {}, [[]], { a: {} }, [undefined], { a: undefined, b: () => 1 }),
    // Deeply nested, and a string longer than a piece on its own.
    fc.nat({ max: 200 }).map((depth) => {
      let v: unknown = ['end'];
      for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v, i] : { [`k${i}`]: v, n: null };
      return v;
    }),
    fc.integer({ min: 30_000, max: 70_000 }).map((n) => 'x'.repeat(n)),
    fc.array(fc.integer(), { minLength: 1000, maxLength: 1100 }),
  );

  it("gives items [from, to) of any list as JSON.stringify writes them in the list, commas between, no brackets, in pieces of about a piece's size (fast-check)", () => {
    checkProperty(
      'json-compact-items-equal-stringify',
      fc.property(fc.array(awkward, { maxLength: 40 }), fc.nat(), fc.nat(), (items, a, b) => {
        const from = items.length === 0 ? 0 : a % (items.length + 1);
        const to = from + (items.length === 0 ? 0 : b % (items.length - from + 1));
        const pieces: string[] = [];
        writeCompactItems(items, from, to, (piece) => pieces.push(piece));
        // The oracle: the list's own text, less the items before and after.
        const whole = JSON.stringify(items.slice(from, to));
        if (pieces.join('') !== whole.slice(1, whole.length - 1)) {
          throw new Error(`the items ${from}–${to} differ`);
        }
        // Bounded: a piece longer than 64 KB is one string written whole.
        for (const piece of pieces) {
          if (piece.length > 64_000 && !/^"x+"$/.test(piece)) {
            throw new Error(`a piece of ${piece.length} characters`);
          }
        }
      }),
      () => [],
    );
  });

  it('given writers for some fields, then each writes its field in place, the rest as JSON.stringify writes it; a field left out by JSON.stringify is never handed over', () => {
    const list = Array.from({ length: 3000 }, (_, i) => ({ i }));
    const value = {
      a: 1,
      skip: undefined,
      replay: { machine: { x: [1, 2] }, projection: { list, other: 'o', gone: () => 1 } },
      list,
    };
    const seen: unknown[] = [];
    const pieces: string[] = [];
    const write = (piece: string) => pieces.push(piece);
    writeCompactJson(value, write, {
      skip: () => write('"never"'),
      replay: {
        projection: {
          list: (v) => {
            seen.push(v);
            write('"LIST"');
          },
          gone: () => write('"never"'),
        },
      },
    });
    expect(seen).toEqual([list]);
    // Only the field at that path: the same list elsewhere is written as it is.
    expect(pieces.join('')).toBe(
      JSON.stringify({
        ...value,
        replay: { ...value.replay, projection: { list: 'LIST', other: 'o' } },
      }),
    );
    // A state small enough for one piece is still written field by field along the paths named.
    const small = { replay: { projection: { list: [1], other: [] } } };
    const out: string[] = [];
    writeCompactJson(small, (p) => out.push(p), {
      replay: { projection: { list: () => out.push('[9]') } },
    });
    expect(out.join('')).toBe('{"replay":{"projection":{"list":[9],"other":[]}}}');
  });
});
