import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { truce, truceBin } from './truce.js';

// Issue 12, item 1: `truce generate --events N --seed S`. The machine judges the logs: every
// one is checked by `truce validate`, never by the generator's own model.

const dir = mkdtempSync(join(tmpdir(), 'truce-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bytes `truce generate` writes for these arguments. */
function generate(events: number, seed: number): string {
  const run = spawnSync(
    process.execPath,
    [truceBin, 'generate', '--events', String(events), '--seed', String(seed)],
    { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 },
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

describe('truce generate', () => {
  it.each([
    [1, 1],
    [40, 2],
    [3_000, 3],
    [3_000, 4],
    [20_000, 7],
  ])('writes %i events for seed %i, and truce validate finds them legal', (events, seed) => {
    const text = generate(events, seed);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(events + 1);
    const file = join(dir, `generated-${events}-${seed}.jsonl`);
    writeFileSync(file, text);
    const run = truce(['validate', file]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`${events} ${events === 1 ? 'event' : 'events'}, valid`);
    expect(run.status).toBe(0);
  });

  it('writes the same bytes for the same seed, and another log for another seed', () => {
    const a = generate(2_000, 42);
    expect(generate(2_000, 42)).toBe(a);
    expect(generate(2_000, 43)).not.toBe(a);
    // A longer run of the same seed starts with the same events.
    expect(generate(3_000, 42).startsWith(a)).toBe(true);
  });

  it('mixes many event types: proposals, phases, releases, extensions, collapses', () => {
    const counts = new Map<string, number>();
    for (const line of generate(5_000, 8).trimEnd().split('\n')) {
      const type = (JSON.parse(line) as { type: string }).type;
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThanOrEqual(8);
    for (const type of [
      'proposal.sent',
      'proposal.accepted',
      'phase.started',
      'release.completed',
      'pause.extended',
      'phase.completed',
      'hostilities.resumed',
      'talks.resumed',
    ]) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(1);
    }
  });

  it('stops quietly, exit 0, when its reader goes away (| head -1)', () => {
    const run = spawnSync(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${truceBin}" generate --events 1000000 | head -1`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ seq: 1, type: 'negotiation.opened' });
  });

  it.each([
    [['--events', '0'], /--events <n>.*expected how many events/],
    [['--events', 'many'], /--events <n>.*expected how many events/],
    [['--events', '1e6'], /--events <n>.*expected how many events/],
    [['--seed', '-1'], /--seed <s>.*expected a seed/],
    [['--seed', '1.5'], /--seed <s>.*expected a seed/],
    [['extra'], /too many arguments/],
  ])('exits 2 with one sentence for %j', (args, message) => {
    const run = truce(['generate', ...args]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toMatch(message);
  });
});
