import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { replayLog } from '../../replay/index.js';
import { expectedFigures, withoutV2Keys } from './oracles/index.js';

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
    const { report: full } = await replayLog(join(dir, file));
    const report = { ...full, ...withoutV2Keys(full) };
    const expected = expectedFigures(eventsOf(file));
    expect({
      seq: report.seq,
      state: report.state,
      phase: report.phase,
      hostages: report.hostages,
      prisoners: report.prisoners,
      pause: report.pause,
      aid: report.aid,
      proposals: report.proposals.map((p) => ({ proposalId: p.proposalId, status: p.status })),
    }).toEqual({
      seq: expected.seq,
      state: expected.state,
      phase: expected.phase,
      hostages: expected.hostages,
      prisoners: expected.prisoners,
      pause: expected.pause,
      aid: expected.aid,
      proposals: expected.proposals,
    });
  });
});
