import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { truce, writeGenerated } from './truce.js';

// `truce append` to a generated log a replay has read goes on from the checkpoint cache the
// replay left (store/cachedState.ts): its output, the log and the sidecar must be those of the
// same append to a copy of the log that has no cache.

const dir = mkdtempSync(join(tmpdir(), 'truce-cli-append-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The sidecar of `log`, its inode left out (the copy is another file). */
const sidecarOf = (log: string) =>
  readFileSync(`${log}.snapshot.json`, 'utf8').replace(/"ino":\d+/, '"ino":0');

describe('truce append after truce replay', () => {
  it('appends from the checkpoint cache as it does without one: the same output, log and sidecar', () => {
    const cached = join(dir, 'cached.jsonl');
    const bare = join(dir, 'bare.jsonl');
    const batch = join(dir, 'batch.jsonl');
    // The 2,001st event of the same generated log is the batch: legal after the first 2,000.
    const lines = writeGenerated(batch, 2_001, 5).split('\n');
    writeFileSync(cached, `${lines.slice(0, 2_000).join('\n')}\n`);
    copyFileSync(cached, bare);
    expect(statSync(cached).size).toBeGreaterThan(256 * 1024);
    const { seq: _seq, ...next } = JSON.parse(lines[2_000] as string);
    writeFileSync(batch, `${JSON.stringify(next)}\n`);

    expect(truce(['replay', cached]).status).toBe(0);
    expect(existsSync(join(`${cached}.truce-cache`, 'index.json'))).toBe(true);
    const fromCache = truce(['--debug', 'append', cached, '--from', batch]);
    const whole = truce(['--debug', 'append', bare, '--from', batch]);
    expect(fromCache.status).toBe(0);
    expect(fromCache.stdout).toBe('2001\n');
    const resumed =
      /^note: no snapshot sidecar holds; going on from the checkpoint cache at seq (\d+)\n/m;
    const at = Number(resumed.exec(fromCache.stderr)?.[1]);
    expect(at).toBeGreaterThanOrEqual(1_024);
    expect(whole.stderr).not.toMatch(resumed);
    expect({
      ...fromCache,
      stderr: fromCache.stderr.replace(resumed, '').replaceAll(cached, 'LOG'),
    }).toEqual({
      ...whole,
      stderr: whole.stderr.replaceAll(bare, 'LOG'),
    });
    expect(readFileSync(cached, 'utf8')).toBe(readFileSync(bare, 'utf8'));
    expect(sidecarOf(cached)).toBe(sidecarOf(bare));
  });
});
