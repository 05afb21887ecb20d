import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProofMark, proveChain, proveMarks, startLink } from '../../store/chainProof.js';
import { numRuns, seed } from '../properties/settings.js';

// The proof of a log's prefix, as the checkpoint cache makes it when the log changed: the oracle
// is the chain as docs/decisions.md states it, H(k) = SHA-256(H(k-1) as hex ‖ the bytes since
// mark k-1), made here with node:crypto alone; the end is hashed the same way but is no link.

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-proof-'));
  file = join(dir, 'log.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The marks at `cuts` (increasing) of `bytes`, the last of them the end, hashed by the oracle. */
function marksOf(bytes: Uint8Array, cuts: readonly number[]): ProofMark[] {
  const marks: ProofMark[] = [];
  let chain = '';
  let linked = 0;
  for (const [i, cut] of cuts.entries()) {
    const link = i < cuts.length - 1;
    const hash =
      cut === linked
        ? chain
        : createHash('sha256').update(chain).update(bytes.subarray(linked, cut)).digest('hex');
    marks.push({ bytes: cut, hash, link });
    if (link) {
      chain = hash;
      linked = cut;
    }
  }
  return marks;
}

/** How many marks hold once byte `damaged` changed and only `limit` bytes are read. */
function expectedHeld(marks: readonly ProofMark[], damaged: number, limit: number): number {
  const first = marks.findIndex((mark) => mark.bytes > damaged || mark.bytes > limit);
  return first === -1 ? marks.length : first;
}

const tools = { readSync, createHash, startLink };

/** A log's bytes, increasing cuts into it (the last is the end), a byte to damage, a limit. */
interface Case {
  bytes: Uint8Array;
  cuts: number[];
  endAtLast: boolean;
  damaged: number | undefined;
  cutShort: number | undefined;
  chunk: number;
}

const cases: fc.Arbitrary<Case> = fc.uint8Array({ maxLength: 3_000 }).chain((bytes) =>
  fc.record({
    bytes: fc.constant(bytes),
    cuts: fc
      .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length) }), { maxLength: 8 })
      .map((cuts) => cuts.filter((c) => c <= bytes.length).sort((a, b) => a - b)),
    // The end may fall where the last checkpoint is.
    endAtLast: fc.boolean(),
    damaged: fc.option(fc.nat({ max: Math.max(0, bytes.length - 1) }), { nil: undefined }),
    cutShort: fc.option(fc.nat({ max: bytes.length }), { nil: undefined }),
    chunk: fc.integer({ min: 1, max: 700 }),
  }),
);

/** Writes the case's log, damaged as it says: its marks, limit and the count that holds. */
function prepare(c: Case): { marks: ProofMark[]; limit: number; held: number } {
  const cuts = c.endAtLast && c.cuts.length > 0 ? [...c.cuts, c.cuts.at(-1) as number] : c.cuts;
  const marks = marksOf(c.bytes, cuts);
  const written = Uint8Array.from(c.bytes);
  const damaged = c.damaged ?? Number.POSITIVE_INFINITY;
  if (c.damaged !== undefined && written.length > 0) {
    written[c.damaged] = ((written[c.damaged] as number) + 1) & 0xff;
  }
  const limit = c.cutShort ?? c.bytes.length;
  writeFileSync(file, written);
  return { marks, limit, held: expectedHeld(marks, damaged, limit) };
}

describe('the proof of a log prefix', () => {
  it('counts the marks that still hold, up to the first whose bytes changed or lie past the limit, whatever the size of a read (property)', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const { marks, limit, held } = prepare(c);
        const fd = openSync(file, 'r');
        try {
          expect(proveChain(fd, marks, limit, c.chunk, tools)).toBe(held);
        } finally {
          closeSync(fd);
        }
      }),
      { seed, numRuns: Math.min(numRuns, 300) },
    );
  });

  it('gives the same count on a thread of its own as on the caller’s (property)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const { marks, limit, held } = prepare(c);
        const fd = openSync(file, 'r');
        try {
          const notes: string[] = [];
          const note = (message: string) => notes.push(message);
          const options = { chunk: c.chunk, note };
          expect(await proveMarks(fd, marks, limit, { ...options, thread: 'always' })).toBe(held);
          expect(await proveMarks(fd, marks, limit, { ...options, thread: 'never' })).toBe(held);
          // The thread answered: nothing fell back to this one.
          expect(notes).toEqual([]);
        } finally {
          closeSync(fd);
        }
      }),
      // Each run starts a thread.
      { seed, numRuns: Math.min(numRuns, 40) },
    );
  });

  it('given a thread that cannot start (marks it cannot be handed), then the proof is made here and says why', async () => {
    const bytes = Buffer.from('{"seq":1}\n{"seq":2}\n{"seq":3}\n');
    writeFileSync(file, bytes);
    const marks = marksOf(bytes, [10, 20, bytes.length]);
    // A function cannot be copied to another thread; the proof itself never looks at it.
    const unsendable = marks.map((mark) => Object.assign({}, mark, { extra: () => 0 }));
    bytes[15] = 0x21;
    writeFileSync(file, bytes);
    const notes: string[] = [];
    const fd = openSync(file, 'r');
    try {
      const held = await proveMarks(fd, unsendable, bytes.length, {
        thread: 'always',
        note: (m) => notes.push(m),
      });
      expect(held).toBe(1);
    } finally {
      closeSync(fd);
    }
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/hashed on the main thread/);
  });
});
