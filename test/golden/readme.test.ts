import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../replay/index.js';

describe('the README', () => {
  it('its hand-written log replays to what the README says', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /save it as `deal\.jsonl`[^`]*`[^`]*`\.\n\n```jsonl\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
    expect(block, 'README has a ```jsonl example').toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'truce-readme-')), 'deal.jsonl');
    writeFileSync(file, block ?? '');
    const { report } = await replayLog(file);
    expect(report.state).toBe('inPhase');
    expect(report.hostages.releasedUnderDeal).toBe(8);
    expect(report.hostages.remaining).toBe(4);
    expect(report.prisoners).toMatchObject({ released: 22, due: 24 });
  });

  it('its hand-written catalogue v2 log replays to what the README says', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /save it as `ceasefire\.jsonl`\):\n\n```jsonl\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has the ceasefire example').toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'truce-readme-')), 'ceasefire.jsonl');
    writeFileSync(file, block ?? '');
    const { report } = await replayLog(file);
    expect(report.state).toBe('inPhase');
    expect(report.pause.openEnded).toBe(true);
    expect(report.ceasefire).toEqual({ strained: false, flareUps: 1 });
    expect(report.obligations.map((o) => [o.what, o.status])).toEqual([
      ['hostages', 'met'],
      ['remains', 'open'],
    ]);
    expect(report.prisoners).toMatchObject({ released: 100, due: 100 });
    expect(report.remains).toEqual({ returned: 10, due: 20 });
    expect(report.hostages.stillHeld).toMatchObject({ alive: 0, deceased: 2 });
    const cut = await replayLog(file, { until: 5, at: '2025-05-07T12:00:00Z' });
    expect(cut.report.obligations[0]?.status).toBe('overdue');
  });
});
