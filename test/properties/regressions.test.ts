import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../replay/index.js';

const dir = join(import.meta.dirname, 'regressions');

/** Shrunk counterexamples the properties once found, kept so the bug stays fixed. */
describe('property counterexamples, replayed', () => {
  it('a phase restarted after a collapse books its releases on the new attempt', async () => {
    const { report } = await replayLog(join(dir, 'phase-restarted-after-collapse.jsonl'));
    const attempts = report.hostages.byPhase.filter((a) => a.phase === 1);
    expect(attempts.map((a) => [a.proposalId, a.hostagesReleased, a.hostagesNamed])).toEqual([
      ['p2', 0, 1],
      ['p4', 2, 2],
    ]);
  });

  it('every kept counterexample replays', async () => {
    for (const file of readdirSync(dir)) {
      await expect(replayLog(join(dir, file))).resolves.toBeDefined();
    }
  });
});
