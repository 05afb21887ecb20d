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
});
