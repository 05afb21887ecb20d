import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGoldenReplay } from '../../testing/index.js';

describe('golden replays of the bundled examples', () => {
  it('November 2023: 105 released, 80 under the deal, 240 prisoners, 7 days, collapsed', async () => {
    const report = await expectGoldenReplay(
      'examples/november-2023.jsonl',
      'examples/november-2023.expected.json',
    );
    expect(report.state).toBe('collapsed');
    expect(report.hostages).toMatchObject({
      releasedTotal: 105,
      releasedUnderDeal: 80,
      releasedOutsideDeal: 25,
    });
    expect(report.prisoners).toMatchObject({ released: 240, due: 240 });
    expect(report.pause).toMatchObject({ days: 7, extensions: 2 });
  });

  it('January–February 2024: still negotiating, split on the end of the war and the pause', async () => {
    const report = await expectGoldenReplay(
      'examples/talks-2024.jsonl',
      'examples/talks-2024.expected.json',
    );
    expect(report.state).toMatch(/^negotiating/);
    expect(report.terms).toBeNull();
    const terms = report.stickingPoints.map((s) => s.term);
    expect(terms).toContain('permanentCeasefire');
    expect(terms).toContain('pauseDays');
  });

  it('a changed expectation fails with the first differing field', async () => {
    const { mkdtemp, writeFile, readFile } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/truce-golden-');
    const expected = JSON.parse(await readFile('examples/november-2023.expected.json', 'utf8'));
    expected.hostages.releasedTotal = 104;
    await writeFile(`${dir}/x.json`, JSON.stringify(expected));
    await expect(
      expectGoldenReplay('examples/november-2023.jsonl', `${dir}/x.json`),
    ).rejects.toThrow(/\$\.hostages\.releasedTotal: expected 104, found 105/);
  });
});

describe('expectGoldenReplay without an expectation yet', () => {
  it('says how to write one', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'truce-golden-')), 'no-such-expected.json');
    await expect(expectGoldenReplay('examples/november-2023.jsonl', missing)).rejects.toThrow(
      `${missing} does not exist: run once with TRUCE_UPDATE_GOLDEN=1 to write it from examples/november-2023.jsonl, then review it`,
    );
  });
});
