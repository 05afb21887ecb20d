import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { replayLog } from '../../replay/index.js';
import { expectGoldenReplay } from '../../testing/index.js';
import { truce } from '../cli/truce.js';

describe('golden replays of the catalogue v2 examples', () => {
  it('October 2025: open-ended ceasefire in force after two flare-ups, the 72-hour deadline met, 1,968 prisoners due and released, remains both ways', async () => {
    const report = await expectGoldenReplay(
      'examples/october-2025.jsonl',
      'examples/october-2025.expected.json',
    );
    expect(report.state).toBe('inPhase');
    expect(report.pause).toMatchObject({ days: null, openEnded: true });
    expect(report.ceasefire).toEqual({ strained: false, flareUps: 2 });
    expect(report.hostages).toMatchObject({
      releasedAlive: 20,
      bodiesReturned: 12,
      stillHeld: { alive: 0, deceased: 16 },
    });
    expect(report.prisoners).toMatchObject({ released: 1968, due: 1968, beyondDue: 0 });
    expect(report.remains).toEqual({ returned: 150, due: 180 });
    expect(report.obligations.map((o) => [o.what, o.status])).toEqual([
      ['hostages', 'met'],
      ['remains', 'open'],
    ]);
    expect(report.proposals.map((p) => p.terms.phases.length)).toEqual([1]);
  });

  it('January 2024 proposals: negotiating, the end of the war the sticking point from the first demands on', async () => {
    const report = await expectGoldenReplay(
      'examples/january-2024-proposals.jsonl',
      'examples/january-2024-proposals.expected.json',
    );
    expect(report.state).toMatch(/^negotiating/);
    expect(report.stickingPoints.map((p) => p.term)).toEqual(['permanentCeasefire', 'pauseDays']);
    const early = await replayLog('examples/january-2024-proposals.jsonl', { until: 3 });
    expect(early.report.stickingPoints.map((p) => p.term)).toEqual(['permanentCeasefire']);
  });

  it('the October log cut before the Oct 13 releases, asked at Oct 14 noon, shows the living overdue', () => {
    const cut = readFileSync('examples/october-2025.jsonl', 'utf8').split('\n').slice(0, 5);
    // A folder of its own, removed at the end: a run leaves nothing behind in the temp folder.
    const dir = mkdtempSync(join(tmpdir(), 'truce-oct-cut-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'october-cut.jsonl');
    writeFileSync(file, `${cut.join('\n')}\n`);
    const json = truce(['replay', file, '--json', '--at', '2025-10-14T12:00:00+03:00']);
    const report = JSON.parse(json.stdout);
    expect(report.obligations[0]).toMatchObject({
      party: 'hamas',
      what: 'hostages',
      due: '2025-10-13T12:00:00+03:00',
      fulfilled: 0,
      status: 'overdue',
    });
    const status = truce(['status', file, '--at', '2025-10-14T12:00:00+03:00']);
    expect(status.stdout).toContain('1 obligation(s) OVERDUE');
    const text = truce(['replay', file, '--at', '2025-10-14T12:00:00+03:00']);
    expect(text.stdout).toContain('OVERDUE: Hamas owes 20 living by 2025-10-13');
  });
});
