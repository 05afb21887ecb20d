import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJsonChunks, jsonChunks } from '../../replay/index.js';
import { checkProperty } from '../properties/settings.js';

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
        const compact = [...compactJsonChunks(v, size)].join('');
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
    const compact = [...compactJsonChunks(report, 4096)];
    expect(compact.length).toBeGreaterThan(10);
    expect(compact.join('')).toBe(JSON.stringify(report));
  });
});
