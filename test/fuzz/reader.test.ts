import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLog, ValidationError } from '../../events/index.js';
import { type CorruptedLog, corruptedLog } from '../arbitraries/corruptedLog.js';
import { pool, truceAsync } from '../model/truceAsync.js';
import { checkAsyncProperty, numRuns, seed } from '../properties/settings.js';

const outDir = join(import.meta.dirname, '..', '..', 'test-results', 'fuzz');

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/**
 * Reads the whole log: `null` when valid, else the ValidationError; anything else throws. A
 * hang is caught by the test's deadline, which is generous: a busy machine is not a hang.
 */
async function readAll(bytes: Uint8Array, chunkSize = 4096): Promise<ValidationError | null> {
  try {
    for await (const _ of readLog(chunks(bytes, chunkSize), { file: 'fuzz.jsonl' })) {
      // every line decoded
    }
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

function lineCount(bytes: Uint8Array): number {
  let n = 1;
  for (const b of bytes) if (b === 10) n++;
  return n;
}

const anyBytes: fc.Arbitrary<CorruptedLog> = fc.oneof(
  { weight: 4, arbitrary: corruptedLog() },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 2000 })
      .map((bytes) => ({ kind: 'random-bytes' as const, bytes })),
  },
);

describe('the log reader under fuzzing', () => {
  it('never throws anything but a line-numbered ValidationError, never hangs', async () => {
    await checkAsyncProperty(
      'fuzzed-reader',
      fc.asyncProperty(anyBytes, fc.integer({ min: 1, max: 8192 }), async ({ bytes }, size) => {
        const error = await readAll(bytes, size);
        if (error) {
          expect(error.message).toMatch(/^fuzz\.jsonl: line \d+/);
          expect(error.position.line).toBeGreaterThanOrEqual(1);
          expect(error.position.line).toBeLessThanOrEqual(lineCount(bytes));
          expect(error.message).not.toContain('\n');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      () => [],
    );
  }, 600_000);

  it('a 10 MB line: read whole when it is a valid event, refused by line when it is not', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const good = `{"seq":1,"id":"a","type":"negotiation.opened","at":"2024-01-01T00:00:00Z","data":{"title":"t","parties":[{"id":"a","name":"A","role":"principal"},{"id":"b","name":"B","role":"principal"}]},"extra":"${big}"}\n`;
    expect(await readAll(new TextEncoder().encode(good), 65_536)).toBeNull();
    const bad = await readAll(new TextEncoder().encode(`{"seq":1,"x":"${big}\n`), 65_536);
    expect(bad?.message).toMatch(/line 1/);
    const noteTooLong = good
      .replace('"extra"', '"source":{"note"')
      .replace(`${big}"}`, `${big}"}}`);
    expect((await readAll(new TextEncoder().encode(noteTooLong), 65_536))?.message).toMatch(
      /line 1 .*source\.note/,
    );
  }, 600_000);

  it('`truce validate` exits 1 with one line-numbered sentence for damaged logs', async () => {
    mkdirSync(outDir, { recursive: true });
    const samples = fc.sample(corruptedLog(), { seed, numRuns: Math.min(numRuns, 36) });
    const big = `{"seq":1,"x":"${'y'.repeat(10 * 1024 * 1024)}\n`;
    samples.push({ kind: 'garbage-line', bytes: new TextEncoder().encode(big) });
    const files = samples.map((s, i) => {
      const file = join(outDir, `${String(i).padStart(3, '0')}-${s.kind}.jsonl`);
      writeFileSync(file, s.bytes);
      return file;
    });
    const runs = await pool(files, 4, (file) => truceAsync(['validate', file]));
    for (const [i, run] of runs.entries()) {
      const sample = samples[i] as CorruptedLog;
      const inProcess = await readAll(sample.bytes);
      if (inProcess === null) {
        // Damage that happens to leave a well-formed log (say, a cut at a line end).
        expect([0, 1], run.stderr).toContain(run.status);
        continue;
      }
      expect(run.status, `${files[i]}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error: ${escapeRegExp(files[i] ?? '')}: line \\d+`));
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  }, 900_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
