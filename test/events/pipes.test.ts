import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { truceBin } from '../cli/truce.js';

// Issue 11, finding 6: pipes are read to their end, devices and FIFOs are refused, nothing hangs.
// Every run has a generous process deadline: a hang fails the test instead of stalling it.

const november = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'truce-pipes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string, input?: string) {
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, N: process.execPath, BIN: truceBin },
    ...(input === undefined ? {} : { input }),
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, signal: run.signal };
}

describe('pipes and stdin are read to their end', () => {
  it('`truce validate -` reads a log piped in', () => {
    const run = sh('"$N" "$BIN" validate -', readFileSync(november, 'utf8'));
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^-: 22 events, valid/);
  });

  it('`truce replay /dev/stdin` replays a log piped in to the same figures as the file', () => {
    const piped = sh(`cat "${november}" | "$N" "$BIN" replay /dev/stdin --json`);
    const file = sh(`"$N" "$BIN" replay "${november}" --json`);
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout)).toEqual(JSON.parse(file.stdout));
  });

  it('garbage piped into /dev/stdin is an invalid log (exit 1), not an empty valid one', () => {
    const run = sh(`echo 'garbage{' | "$N" "$BIN" validate /dev/stdin`);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: \/dev\/stdin: line 1: not valid JSON/);
  });

  it('a process substitution <(…) is read to its end', () => {
    const junk = sh('"$N" "$BIN" validate <(echo junk)');
    expect(junk.status).toBe(1);
    expect(junk.stderr).toMatch(/line 1: not valid JSON/);
    const good = sh(`"$N" "$BIN" validate <(cat "${november}")`);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/22 events, valid/);
  });
});

describe('devices and FIFOs are refused in one sentence (exit 4) and never hang', () => {
  it('/dev/urandom is a device', () => {
    const run = sh('"$N" "$BIN" validate /dev/urandom');
    expect(run.status).toBe(4);
    expect(run.stderr).toBe(
      'error: cannot read /dev/urandom: it is a device, not a log file (give a file, or pipe the log into - for stdin)\n',
    );
  });

  it.each(['validate', 'replay', 'status', 'timeline'])(
    'a named pipe (FIFO) with no writer: truce %s refuses it',
    (command) => {
      const fifo = join(dir, `${command}.fifo`);
      const run = sh(`mkfifo "${fifo}" && "$N" "$BIN" ${command} "${fifo}"`);
      expect(run.signal).toBeNull();
      expect(run.status).toBe(4);
      expect(run.stderr).toMatch(/it is a named pipe \(FIFO\), not a log file/);
    },
  );

  it('append to a FIFO refuses it and leaves it a FIFO', () => {
    const fifo = join(dir, 'append.fifo');
    const run = sh(
      `mkfifo "${fifo}" && "$N" "$BIN" append "${fifo}" --type aid.delivered --data '{"region":"s","trucks":1}'; echo "status=$?"; test -p "${fifo}" && echo still-fifo`,
    );
    expect(run.signal).toBeNull();
    expect(run.stdout).toBe('status=4\nstill-fifo\n');
    expect(run.stderr).toMatch(/it is a pipe \(FIFO\), not a regular file/);
  });
});
