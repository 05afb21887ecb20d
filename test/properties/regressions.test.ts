import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { replayLog } from '../../replay/index.js';
import { expectedFigures } from './oracles/index.js';
import { reportFiguresOf } from './reportFigures.js';

const dir = join(import.meta.dirname, 'regressions');
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

function eventsOf(file: string): TruceEvent[] {
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TruceEvent);
}

/** Shrunk counterexamples the properties once found, kept so the bug stays fixed. */
describe('property counterexamples, replayed', () => {
  it('a phase restarted after a collapse books its releases on the new attempt', async () => {
    const { report } = await replayLog(join(dir, 'phase-restarted-after-collapse.jsonl'));
    const attempts = report.hostages.byPhase.filter((a) => a.phase === 1);
    expect(attempts.map((a) => [a.proposalId, a.hostagesReleased, a.hostagesNamed])).toEqual([
      ['p2', 0, 1],
      ['p4', 2, 2],
    ]);
    expect(report.state).toBe('inPhase');
    expect(report.hostages.releasedUnderDeal).toBe(2);
    expect(report.prisoners.due).toBe(32);
  });

  it.each(files)('%s replays to the figures the README rules give', async (file) => {
    const { report } = await replayLog(join(dir, file));
    expect(reportFiguresOf(report)).toEqual(expectedFigures(eventsOf(file)));
  });
});
