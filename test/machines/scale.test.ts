import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ScaleShape, scaleLog } from '../../bench/scaleLogs.js';
import { replayLog } from '../../replay/index.js';

const dir = mkdtempSync(join(tmpdir(), 'truce-scale-'));

/** Milliseconds to replay the scale log of `shape` with `n` items (the best of `runs`). */
async function timeOf(shape: ScaleShape, n: number, runs: number): Promise<number> {
  const file = join(dir, `${shape}-${n}.jsonl`);
  writeFileSync(file, scaleLog(shape, n));
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const outcome = await replayLog(file);
    best = Math.min(best, performance.now() - started);
    // The log is legal to its end: a phase agreed, started, released in full and completed.
    expect(outcome.report.hostages.byPhase).toHaveLength(1);
    expect(outcome.report.hostages.byPhase[0]?.completed).toBe(true);
  }
  return best;
}

// Linear work (issue 11, finding 8): 100× the items may take 100× the time, and this allows 20×
// more for a loaded machine and a cold cache; quadratic work would take 10,000× (it took 120 s+
// for 100,000 proposals). Speed itself is measured by `npm run bench -- scale`.
describe('validation stays linear', () => {
  it.each(['proposals', 'categories'] as const)(
    'in the number of %s: 100,000 within 100 × 20 × the time of 1,000',
    async (shape) => {
      const small = await timeOf(shape, 1_000, 3);
      const large = await timeOf(shape, 100_000, 1);
      expect(large).toBeLessThan(100 * 20 * small);
    },
    300_000,
  );
});
