import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFastDecode, NOT_SURE } from '../../events/fastDecode.js';
import { REPLAY_SNAPSHOT_VERSION } from '../../replay/index.js';
import {
  CACHE_VERSION,
  type CacheIndex,
  decodeIndex,
  indexSchema,
  TAILS,
} from '../../store/checkpointCache.js';
import { changeValue } from '../arbitraries/valueChange.js';
import { numRuns, propertyTimeout, seed } from '../properties/settings.js';

/**
 * The checkpoint cache's index is read by the check compiled from its zod schema, which answers
 * for an index as truce writes it; zod decides anything else. The reference here is zod alone.
 */

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const decimal = fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String);

/** A mark's fields after `previous` (seq and bytes grow), as the cache writes them. */
const markAfter = (previous: { seq: number; bytes: number }) =>
  fc
    .record({
      seqStep: fc.integer({ min: 1, max: 5000 }),
      bytesStep: fc.integer({ min: 1, max: 1_000_000 }),
      lineBytes: fc.integer({ min: 1, max: 1000 }),
      lastLineHash: hex(32),
      hash: hex(32),
      maxAt: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    })
    .map(({ seqStep, bytesStep, lineBytes, lastLineHash, hash, maxAt }) => {
      const bytes = previous.bytes + bytesStep;
      return {
        seq: previous.seq + seqStep,
        bytes,
        lastLineStart: Math.max(0, bytes - lineBytes),
        lastLineHash,
        hash,
        maxAt,
      };
    });

/** An index that agrees with itself: checkpoints in order, chains of edits, tails among the last. */
const validIndex: fc.Arbitrary<CacheIndex> = fc
  .record({
    count: fc.integer({ min: 0, max: 12 }),
    wholeEvery: fc.integer({ min: 1, max: 6 }),
    seed: fc.array(fc.tuple(markAfter({ seq: 0, bytes: 0 }), hex(8), hex(32)), {
      minLength: 13,
      maxLength: 13,
    }),
    end: markAfter({ seq: 0, bytes: 0 }),
    log: fc.option(
      fc.record({ dev: decimal, ino: decimal, size: decimal, mtimeNs: decimal, ctimeNs: decimal }),
      { nil: null },
    ),
    tailCount: fc.integer({ min: 0, max: TAILS }),
    extraIds: fc.integer({ min: 0, max: 100 }),
    shape: hex(32),
    idsFile: hex(8),
    idsHash: hex(32),
    checksum: hex(32),
  })
  .map((drawn) => {
    const checkpoints: CacheIndex['checkpoints'] = [];
    let previous = { seq: 0, bytes: 0 };
    for (let i = 0; i < drawn.count; i++) {
      const [step, name, fileHash] = drawn.seed[i] as [
        { seq: number; bytes: number; lastLineStart: number },
        string,
        string,
      ];
      const mark = {
        ...(step as CacheIndex['end']),
        seq: previous.seq + step.seq,
        bytes: previous.bytes + step.bytes,
        lastLineStart: previous.bytes + step.lastLineStart,
      };
      checkpoints.push({
        ...mark,
        file: `${mark.seq}-${name}.json`,
        fileHash,
        size: step.bytes,
        from: i === 0 || i % drawn.wholeEvery === 0 ? null : previous.seq,
      });
      previous = mark;
    }
    const end = {
      ...drawn.end,
      seq: previous.seq + drawn.end.seq,
      bytes: previous.bytes + drawn.end.bytes,
      lastLineStart: previous.bytes + drawn.end.lastLineStart,
    };
    const tails = checkpoints.slice(-drawn.tailCount || checkpoints.length).map((c) => ({
      seq: c.seq,
      file: `tail-${c.seq}-${c.file.slice(-21, -5)}.json`,
      fileHash: c.fileHash,
      size: c.size,
    }));
    return {
      format: 'truce-cache' as const,
      version: CACHE_VERSION,
      replayVersion: REPLAY_SNAPSHOT_VERSION,
      shape: drawn.shape,
      log: drawn.log,
      checkpoints,
      tails: drawn.tailCount === 0 ? [] : tails,
      end,
      ids: {
        file: `ids-${drawn.idsFile}.bin`,
        count: end.seq + drawn.extraIds,
        fileHash: drawn.idsHash,
      },
      checksum: drawn.checksum,
    } as CacheIndex;
  });

/** Names a changed index may gain: its own fields', and awkward ones. */
const indexKeys = fc.constantFrom(
  '__proto__',
  'constructor',
  'seq',
  'bytes',
  'from',
  'file',
  'tails',
  'checksum',
  'zz',
);

/** What JSON gives back for the index as truce writes it. */
const asRead = (index: CacheIndex): unknown => JSON.parse(JSON.stringify(index));

/** The check compiled from the index's schema, and zod's answer, the reference. */
const compiled = compileFastDecode(indexSchema);
const zodDecode = (value: unknown) => (indexSchema as z.ZodType).safeParse(value);

describe("the checkpoint cache's index, read by the check compiled from its schema (fast-check)", {
  timeout: propertyTimeout,
}, () => {
  it('the schema compiles', () => {
    expect(compiled).not.toBeNull();
  });

  it('an index as truce writes it passes the compiled check and zod, unchanged', () => {
    fc.assert(
      fc.property(validIndex, (index) => {
        const value = asRead(index);
        const reference = zodDecode(value);
        if (!reference.success) throw new Error(`zod refused a valid index: ${reference.error}`);
        const fast = compiled?.(value) ?? NOT_SURE;
        if (fast !== value)
          throw new Error('the compiled check did not pass a valid index as it is');
        if (decodeIndex(value) !== value)
          throw new Error('decodeIndex did not answer by the check');
      }),
      { seed, numRuns },
    );
  });

  it('on changed indexes: what the compiled check passes, zod decodes to the same; decodeIndex answers as zod does', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.tuple(validIndex, fc.gen()), ([index, g]) => {
        const value = asRead(index);
        const changes = g(fc.integer, { min: 1, max: 3 });
        for (let i = 0; i < changes; i++) changeValue(g, value, indexKeys);
        const reference = zodDecode(value);
        if (!reference.success) refused++;
        const fast = compiled?.(value) ?? NOT_SURE;
        if (fast !== NOT_SURE) {
          if (!reference.success) throw new Error('the compiled check passed an index zod refuses');
          if (!isDeepStrictEqual(reference.data, fast)) {
            throw new Error('the compiled check and zod decode to different indexes');
          }
          if (JSON.stringify(reference.data) !== JSON.stringify(fast)) {
            throw new Error('the compiled check and zod give the fields in different orders');
          }
        }
        const decoded = decodeIndex(value);
        if ((decoded !== undefined) !== reference.success) {
          throw new Error(
            `decodeIndex says ${decoded !== undefined}, zod says ${reference.success}`,
          );
        }
        if (decoded !== undefined && !isDeepStrictEqual(decoded, reference.data)) {
          throw new Error('decodeIndex and zod decode to different indexes');
        }
      }),
      { seed, numRuns },
    );
    // The changes reach what the schema refuses, or the property above tests little.
    expect(refused).toBeGreaterThan(0);
  });
});

describe('the kinds the index and the events need, each against zod', () => {
  const cases: Array<[string, z.ZodType, unknown[], unknown[]]> = [
    ['a literal', z.literal('truce-cache'), ['truce-cache'], ['truce', 'Truce-cache', 3, null]],
    ['an enum', z.enum(['claimed', 'reported']), ['claimed', 'reported'], ['Claimed', '', 1, null]],
    ['a number literal', z.literal(3), [3], [2, '3', 3.5, null]],
    ['a nullable', z.number().nullable(), [null, 0, 2.5], [undefined, '1', {}]],
    [
      'a whole number (.int())',
      z.number().int().nonnegative(),
      [0, 7, 2 ** 53 - 1],
      [-1, 1.5, 2 ** 53, Number.NaN, '7'],
    ],
    [
      'a strict object',
      z.object({ a: z.number(), b: z.string().optional() }).strict(),
      [{ a: 1 }, { a: 1, b: 'x' }],
      [{ a: 1, c: 2 }, { b: 'x' }, { a: '1' }],
    ],
  ];
  it.each(cases)(
    '%s: passes what zod passes, as it is, and is never sure of what zod refuses',
    (_, schema, good, bad) => {
      const check = compileFastDecode(schema);
      expect(check).not.toBeNull();
      for (const value of good) {
        expect(schema.safeParse(value).success).toBe(true);
        expect(check?.(value)).toBe(value);
      }
      for (const value of bad) {
        expect(schema.safeParse(value).success).toBe(false);
        expect(check?.(value)).toBe(NOT_SURE);
      }
    },
  );
});
