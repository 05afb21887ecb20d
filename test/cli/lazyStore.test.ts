import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CACHE_MIN_BYTES } from '../../store/cacheMinBytes.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';

// What a command that reads a log imports, and when: the checkpoint cache's code and the file
// store's writer are imported by the command that uses them, not by every command that reads a
// log (about 3 ms of a short log's start; docs/decisions.md, "The command line's cold start").
// Each module below records that it was evaluated; nothing is timed.

const evaluated = vi.hoisted(() => new Set<string>());
vi.mock('../../store/cachedReplay.js', async (original) => {
  evaluated.add('cachedReplay');
  return original();
});
vi.mock('../../store/checkpointCache.js', async (original) => {
  evaluated.add('checkpointCache');
  return original();
});
vi.mock('../../store/fileEventStore.js', async (original) => {
  evaluated.add('fileEventStore');
  return original();
});

const dir = mkdtempSync(join(tmpdir(), 'truce-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
const november = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');

/** Runs `truce ARGS` in this process (cli/core.ts), its output kept: exit code and stdout. */
async function truceHere(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const { main } = await import('../../cli/core.js');
  const code = await main([process.execPath, 'truce', ...args]);
  vi.restoreAllMocks();
  return { code, stdout };
}

describe('what reading a log imports', () => {
  it('the commands that read a log import neither the checkpoint cache nor the file store', async () => {
    await import('../../cli/replay.js');
    await import('../../cli/validate.js');
    expect([...evaluated]).toEqual([]);
  });

  it('status of a log shorter than the cache minimum answers without importing the cache', async () => {
    const run = await truceHere(['status', november]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^collapsed at seq 22 /);
    expect([...evaluated]).toEqual([]);
  });

  it('a query of a longer log imports the cache and answers from it', async () => {
    const log = join(dir, 'long.jsonl');
    const lines = [...generatedLog({ events: 3_000, seed: 5 })].map((e) => JSON.stringify(e));
    writeFileSync(log, `${lines.join('\n')}\n`);
    expect(lines.join('\n').length).toBeGreaterThan(CACHE_MIN_BYTES);
    const first = await truceHere(['status', log, '--until', '2048']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/ at seq 2048 /);
    expect(evaluated).toContain('cachedReplay');
    expect(evaluated).toContain('checkpointCache');
    // Not the file store's writer: nothing is appended.
    expect(evaluated).not.toContain('fileEventStore');
  });

  it('init imports the file store when it writes', async () => {
    const log = join(dir, 'new.jsonl');
    const run = await truceHere([
      'init',
      log,
      '--title',
      'Lazy',
      '--party',
      'a:A:principal',
      '--party',
      'b:B:principal',
      '--at',
      '2023-11-22T08:00:00Z',
    ]);
    expect(run.code).toBe(0);
    expect(evaluated).toContain('fileEventStore');
  });
});
