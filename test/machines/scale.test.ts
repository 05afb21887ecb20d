import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ScaleShape, scaleLog } from '../../bench/scaleLogs.js';
import { replayLog } from '../../replay/index.js';

const dir = mkdtempSync(join(tmpdir(), 'truce-scale-'));

/**
 * CPU milliseconds this process spends replaying the scale log of `shape` with `n` items (the
 * best of `runs`): CPU time, not wall time, so other processes on a busy machine do not count.
 */
async function timeOf(shape: ScaleShape, n: number, runs: number): Promise<number> {
  const file = join(dir, `${shape}-${n}.jsonl`);
  writeFileSync(file, scaleLog(shape, n));
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = process.cpuUsage();
    const outcome = await replayLog(file);
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1000);
    // The log is legal to its end: a phase agreed, started, released in full and completed.
    expect(outcome.report.hostages.byPhase).toHaveLength(1);
    expect(outcome.report.hostages.byPhase[0]?.completed).toBe(true);
  }
  return best;
}

// Linear work (issue 11, finding 8): 100× the items may take 100× the time, and this allows 20×
// more for a cold cache and the collector's threads (CPU time of this process, so a loaded
// machine's other work does not count); quadratic work would take 10,000× (it took 120 s+
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
