import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJsonChunks, jsonChunks } from '../../replay/index.js';
import { checkProperty } from '../properties/settings.js';

describe('a report written in pieces', () => {
  it('joins to exactly JSON.stringify(value, null, 2), whatever the value (fast-check)', () => {
    const wide = fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 60, maxLength: 140 });
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(fc.string(), fc.oneof(wide, fc.jsonValue())),
      wide,
      fc.record({ proposals: wide, more: fc.dictionary(fc.string(), wide) }),
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
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(4096 + 200);
    expect(pieces.join('')).toBe(JSON.stringify(report, null, 2));
    const compact = [...compactJsonChunks(report, 4096)];
    expect(compact.length).toBeGreaterThan(10);
    expect(compact.join('')).toBe(JSON.stringify(report));
  });
});
