import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLog } from '../../events/index.js';
import {
  decodeLockInfo,
  FileEventStore,
  FileLock,
  identityOf,
  LOCK_RECORD_BYTES,
} from '../../store/index.js';
import { truce } from '../cli/truce.js';
import { opened } from './fixtures.js';
import { raceWriters } from './race.js';

// Issue 11, findings 1–5: the lock belongs to the file, not to the name it was given; nothing
// but a truce lock is ever removed; a dead writer's record never costs an acknowledged event.

const root = mkdtempSync(join(tmpdir(), 'truce-lock-id-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = () => mkdtempSync(join(root, `case-${++n}-`));
const _children = join(import.meta.dirname, 'children');
const november = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');

async function idsOf(log: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const { event } of readLog(log)) ids.push(event.id);
  return ids;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

const aidArgs = (id: string) => [
  '--type',
  'aid.delivered',
  '--data',
  '{"region":"south","trucks":1}',
  '--id',
  id,
];

async function logIn(dir: string, name = 'real.jsonl'): Promise<string> {
  const log = join(dir, name);
  await new FileEventStore(log).append([opened()]);
  return log;
}

describe('finding 1: two names for one log share one lock', () => {
  it('100 rounds of two writers, one through the real path and one through a symbolic link, with the same expected version: exactly one wins each round', async () => {
    const dir = folder();
    const real = await logIn(dir);
    const link = join(dir, 'link.jsonl');
    symlinkSync(real, link);
    const paths = [real, link];
    const rounds = await raceWriters(paths, 100);
    for (const [i, list] of rounds.entries()) {
      const round = i + 1;
      expect(
        list.filter((a) => a.startsWith('ok ')),
        `round ${round}`,
      ).toEqual([`ok ${round} ${round + 1}`]);
      expect(list.filter((a) => a === `conflict ${round} ${round + 1}`)).toHaveLength(1);
    }
    const seqs: number[] = [];
    for await (const { event } of readLog(real)) seqs.push(event.seq);
    expect(seqs).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
  }, 900_000);

  it('with the truce command: `truce append --expect` through the real path and a link at once, one exits 0 and one exits 3 (10 rounds)', async () => {
    const dir = folder();
    const real = await logIn(dir);
    const link = join(dir, 'link.jsonl');
    symlinkSync(real, link);
    for (let round = 1; round <= 10; round++) {
      const runs = await Promise.all(
        [real, link].map((path, w) => {
          const child = spawn(process.execPath, [
            join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'),
            'append',
            path,
            ...aidArgs(`r${round}-w${w}`),
            '--expect',
            String(round),
          ]);
          return new Promise<number | null>((resolve) => child.on('exit', resolve));
        }),
      );
      expect(runs.sort(), `round ${round}`).toEqual([0, 3]);
    }
    expect(await idsOf(real)).toHaveLength(11);
    expect(truce(['validate', link]).status).toBe(0);
  }, 900_000);

  it('a log with a second hard link is refused with one sentence, exit 4, the log unchanged', async () => {
    const dir = folder();
    const real = await logIn(dir);
    const hard = join(dir, 'hard.jsonl');
    linkSync(real, hard);
    const before = readFileSync(real);
    for (const path of [real, hard]) {
      const run = truce(['append', path, ...aidArgs('x')]);
      expect(run.status).toBe(4);
      expect(run.stderr).toMatch(
        /^error: cannot append to .*: the file has 2 names \(hard links\)/,
      );
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(real).equals(before)).toBe(true);
    rmSync(hard);
    expect(truce(['append', real, ...aidArgs('x')]).status).toBe(0);
  });
});

describe("finding 2: a dead writer's recorded size is never trusted", () => {
  it('with a lock of a dead process recording size 0 beside the November log, validate reads every event and append keeps them all', async () => {
    const dir = folder();
    const log = join(dir, 'november.jsonl');
    copyFileSync(november, log);
    const before = readFileSync(log);
    const count = (await idsOf(log)).length;
    expect(count).toBeGreaterThan(10);
    writeFileSync(
      `${log}.lock`,
      JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'dead', at: 'x', size: 0 }),
    );
    const validate = truce(['validate', log]);
    expect(validate.status).toBe(0);
    expect(validate.stdout).toContain(`${count} events, valid`);
    const replay = JSON.parse(truce(['replay', log, '--json']).stdout);
    expect(replay.seq).toBe(count);
    const append = truce(['append', log, ...aidArgs('after-crash')]);
    expect(append.status).toBe(0);
    expect(append.stdout).toBe(`${count + 1}\n`);
    expect(readFileSync(log).subarray(0, before.length).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes('.torn-'))).toEqual([]);
    expect(existsSync(`${log}.lock`)).toBe(false);
  });
});

describe('finding 3: a lock record is always written whole', () => {
  it('a size that shrinks across a digit boundary (10059 → 9990) leaves a record that reads back exactly', async () => {
    const dir = folder();
    const { lock } = await FileLock.acquire(join(dir, 'deal.jsonl.lock'));
    try {
      await lock.record(10059, { dev: '1', ino: '2' });
      await lock.record(9990);
      const bytes = readFileSync(join(dir, 'deal.jsonl.lock'));
      expect(bytes.length).toBe(LOCK_RECORD_BYTES);
      expect(decodeLockInfo(bytes.toString('utf8'))).toMatchObject({
        pid: process.pid,
        size: 9990,
        log: { dev: '1', ino: '2' },
      });
    } finally {
      await lock.release();
    }
  });

  it('a writer killed after shrinking its record does not block the next append', async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    const { lock } = await FileLock.acquire(`${log}.lock`);
    await lock.record(10059);
    await lock.record(9990);
    await lock.abandon();
    // Make it a dead process's record, as kill -9 would leave it.
    const text = readFileSync(`${log}.lock`, 'utf8').replace(
      `"pid":${process.pid}`,
      `"pid":${deadPid()}`,
    );
    writeFileSync(`${log}.lock`, text);
    const run = truce(['append', log, ...aidArgs('next')]);
    expect(run).toMatchObject({ status: 0, stdout: '2\n' });
  });
});

describe('finding 4: nothing at the lock path that is not a truce lock is waited on or removed', () => {
  it('a dangling symbolic link named LOG.lock: one sentence, exit 4, no spin (a generous process deadline)', async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    symlinkSync('/nonexistent/nowhere', `${log}.lock`);
    const run = truce(['append', log, ...aidArgs('x')]);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/^error: cannot lock .*deal\.jsonl\.lock: .*a symbolic link/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(await idsOf(log)).toEqual(['open']);
  });

  it("a user's own file named LOG.lock, older than any stale limit, is refused and kept", async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    writeFileSync(`${log}.lock`, 'my notes about the lock\n');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(`${log}.lock`, old, old);
    const run = truce(['append', log, ...aidArgs('x')]);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(/not a truce lock.*move it away/);
    expect(readFileSync(`${log}.lock`, 'utf8')).toBe('my notes about the lock\n');
  });

  it('a folder or a FIFO named LOG.lock is refused without a hang', async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    spawnSync('mkfifo', [`${log}.lock`]);
    const fifo = truce(['append', log, ...aidArgs('x')]);
    expect(fifo.status).toBe(4);
    expect(fifo.stderr).toMatch(/not a regular file|not a truce lock/);
    expect(truce(['validate', log]).status).toBe(0);
  });

  it('two logs sharing one lock file (a hard link between their locks): the second is refused at once', async () => {
    const dir = folder();
    const a = await logIn(dir, 'a.jsonl');
    const b = await logIn(dir, 'b.jsonl');
    const stat = (await import('node:fs')).statSync(a);
    const { lock } = await FileLock.acquire(`${a}.lock`, { log: identityOf(stat) });
    try {
      await lock.record(stat.size, identityOf(stat));
      linkSync(`${a}.lock`, `${b}.lock`);
      const run = truce(['append', b, ...aidArgs('x')]);
      expect(run.status).toBe(4);
      expect(run.stderr).toMatch(/for another file .*must not share a lock/);
    } finally {
      await lock.release();
    }
    rmSync(`${b}.lock`);
    expect(truce(['append', b, ...aidArgs('x')]).status).toBe(0);
  });

  it('temp files of processes killed while making their lock are removed; other files are not', async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    const pid = deadPid();
    const nonce = '0123456789abcdef';
    const orphan = `${log}.lock.${pid}-${nonce}.tmp`;
    writeFileSync(orphan, JSON.stringify({ pid, host: hostname(), nonce, at: 'x' }));
    const mine = `${log}.lock.${pid}-fedcba9876543210.tmp`;
    writeFileSync(mine, 'not a lock record');
    expect(truce(['append', log, ...aidArgs('x')]).status).toBe(0);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(mine)).toBe(true);
  });
});

describe('finding 5: an append obeys every limit the reader has', () => {
  it('an event over the 64 MiB line cap is refused before writing, naming the file; the log still reads', async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    const before = readFileSync(log);
    const batch = join(dir, 'huge.jsonl');
    writeFileSync(
      batch,
      `${JSON.stringify({ id: 'huge', type: 'aid.delivered', at: '2023-11-24T10:00:00Z', data: { region: 'south', trucks: 1, note: 'x'.repeat(65 * 1024 * 1024) } })}\n`,
    );
    const run = truce(['append', log, '--from', batch]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /at most 64 MiB as one log line.*nothing was written to .*deal\.jsonl/,
    );
    expect(readFileSync(log).equals(before)).toBe(true);
    expect(truce(['validate', log]).status).toBe(0);
  }, 120_000);

  it('a log with a line over the cap names the file in its error', async () => {
    const dir = folder();
    const log = await logIn(dir, 'deal.jsonl');
    writeFileSync(log, `${'x'.repeat(64 * 1024 * 1024 + 10)}\n`, { flag: 'a' });
    const validate = truce(['validate', log]);
    expect(validate.status).toBe(1);
    expect(validate.stderr).toMatch(/deal\.jsonl.*line 2.*at most 64 MiB/);
    const append = truce(['append', log, ...aidArgs('x')]);
    expect(append.status).toBe(1);
    expect(append.stderr).toMatch(/deal\.jsonl.*line 2.*at most 64 MiB/);
  }, 120_000);
});
