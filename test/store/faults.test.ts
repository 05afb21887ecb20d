import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { readLog } from '../../events/index.js';
import { replayLog } from '../../replay/index.js';
import { FileEventStore } from '../../store/index.js';
import { truce, truceBin } from '../cli/truce.js';
import { opened } from './fixtures.js';
import { raceWriters } from './race.js';

const children = join(import.meta.dirname, 'children');
const root = mkdtempSync(join(tmpdir(), 'truce-faults-'));
// Open to all, so the permission tests' `nobody` can reach the folders inside.
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every id in the log, in order, after checking the whole log line by line. */
async function idsOf(log: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const { event } of readLog(log)) ids.push(event.id);
  return ids;
}

/** Starts a child and calls `onLine` for each line of its stdout. */
function start(script: string, args: string[], onLine: (line: string) => void) {
  const child = spawn(process.execPath, [join(children, script), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  }) as ChildProcessWithoutNullStreams;
  createInterface({ input: child.stdout }).on('line', onLine);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

/** Kills of the crash test: each round starts a Node process, slow on a busy machine. */
const KILLS = Number(process.env.TRUCE_CRASH_KILLS ?? 30);

describe('crash: a writer killed with SIGKILL at random moments', () => {
  // No deadline worth the name: a round costs one process start however loaded the machine is,
  // and what is checked is a count (no acknowledged event lost), never a duration.
  it(`loses no acknowledged event, duplicates none, and the next append repairs the log (${KILLS} kills)`, async () => {
    const log = join(root, 'crash.jsonl');
    await new FileEventStore(log).append([opened()]);
    const acknowledged = new Set<string>();
    let torn = 0;
    for (let round = 0; round < KILLS; round++) {
      let firstAck!: () => void;
      const acked = new Promise<void>((resolve) => {
        firstAck = resolve;
      });
      const { child, exited } = start('appendLoop.mjs', [log, `k${round}`], (line) => {
        if (line === 'ready') return;
        acknowledged.add(line);
        firstAck();
      });
      // At least one acknowledged append per round, however loaded the machine, then a kill at
      // a random moment of the writes that follow.
      await acked;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      child.kill('SIGKILL');
      const { signal, stderr } = await exited;
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');

      const warnings: string[] = [];
      const store = new FileEventStore(log, { warn: (m) => warnings.push(m) });
      const head = await store.repair();
      torn += warnings.length;
      const ids = await idsOf(log);
      expect(ids).toHaveLength(head);
      expect(new Set(ids).size).toBe(ids.length);
      const present = new Set(ids);
      const lost = [...acknowledged].filter((id) => !present.has(id));
      expect(lost).toEqual([]);
    }
    const { events } = await replayLog(log);
    expect(events).toBeGreaterThan(KILLS);
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILLS);
    console.log(
      `crash test: ${acknowledged.size} acknowledged events, ${torn} repairs of interrupted writes in ${KILLS} kills`,
    );
  }, 900_000);
});

describe('race: 8 writers with the same expected version', () => {
  it('100 rounds: exactly one wins each round, the others get a conflict naming the new head; no gaps, no duplicates', async () => {
    const log = join(root, 'race.jsonl');
    await new FileEventStore(log).append([opened()]);
    const WRITERS = 8;
    const rounds = await raceWriters(Array(WRITERS).fill(log), 100);
    for (const [i, list] of rounds.entries()) {
      const round = i + 1;
      expect(
        list.filter((a) => a.startsWith('ok ')),
        `round ${round}`,
      ).toEqual([`ok ${round} ${round + 1}`]);
      expect(list.filter((a) => a === `conflict ${round} ${round + 1}`)).toHaveLength(WRITERS - 1);
    }
    const seqs: number[] = [];
    for await (const { event } of readLog(log)) seqs.push(event.seq);
    expect(seqs).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    await expect(replayLog(log)).resolves.toMatchObject({ events: 101 });
  }, 900_000);

  it('with the truce command: 8 `truce append --expect` processes, one exits 0, seven exit 3 (5 rounds)', async () => {
    const log = join(root, 'race-cli.jsonl');
    await new FileEventStore(log).append([opened()]);
    for (let round = 1; round <= 5; round++) {
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, w) => {
          const child = spawn(process.execPath, [
            truceBin,
            'append',
            log,
            '--type',
            'aid.delivered',
            '--data',
            '{"region":"south","trucks":1}',
            '--id',
            `cli-${round}-${w}`,
            '--expect',
            String(round),
          ]);
          let stderr = '';
          child.stderr.on('data', (chunk) => {
            stderr += chunk;
          });
          return new Promise<{ code: number | null; stderr: string }>((resolve) =>
            child.on('exit', (code) => resolve({ code, stderr })),
          );
        }),
      );
      expect(runs.filter((r) => r.code === 0)).toHaveLength(1);
      const losers = runs.filter((r) => r.code === 3);
      expect(losers).toHaveLength(7);
      // A loser may first have said it waited for the lock: only its error line is checked.
      for (const loser of losers) {
        expect(loser.stderr).toContain(
          `error: ${log}: expected the log to end at seq ${round}, but it ends at seq ${round + 1}\n`,
        );
      }
    }
    expect((await idsOf(log)).length).toBe(6);
  }, 600_000);
});

describe('disk problems: a clear error, exit 4, the log unchanged', () => {
  const asRoot = process.getuid?.() === 0;
  const setpriv = asRoot && spawnSync('setpriv', ['--version']).status === 0;
  // Root writes anywhere: as root the command runs as `nobody` through setpriv.
  const dropRoot = setpriv ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const append = (log: string, wrapper: string[]) =>
    truce(
      ['append', log, '--type', 'aid.delivered', '--data', '{"region":"south","trucks":1}'],
      wrapper,
    );

  async function logIn(folder: string): Promise<string> {
    const log = join(folder, 'deal.jsonl');
    await new FileEventStore(log).append([opened()]);
    return log;
  }

  it.skipIf(asRoot && !setpriv)('a folder the user may not write to', async () => {
    const folder = mkdtempSync(join(root, 'ro-dir-'));
    chmodSync(folder, 0o755);
    const log = await logIn(folder);
    const before = readFileSync(log);
    const run = append(log, dropRoot);
    expect(run.status).toBe(4);
    expect(run.stderr).toBe(
      `error: cannot lock ${log}.lock: permission denied (the folder must be writable)\n`,
    );
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it.skipIf(asRoot && !setpriv)('a read-only log file', async () => {
    const folder = mkdtempSync(join(root, 'ro-file-'));
    chmodSync(folder, 0o777);
    const log = await logIn(folder);
    chmodSync(log, 0o444);
    const before = readFileSync(log);
    const run = append(log, dropRoot);
    expect(run.status).toBe(4);
    expect(run.stderr).toBe(`error: cannot open ${log}: permission denied\n`);
    expect(readFileSync(log).equals(before)).toBe(true);
    expect(spawnSync('ls', [folder]).stdout.toString().trim()).toBe('deal.jsonl');
  });

  // A real full disk: a 256 KiB tmpfs in a private mount namespace (no lasting mount).
  const canMount =
    spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${tmpdir()}`])
      .status === 0;
  it.skipIf(!canMount)('a full disk (a tiny tmpfs)', () => {
    const script = `
      set -e
      mount -t tmpfs -o size=256k tmpfs "$DIR"
      node "$BIN" init "$DIR/deal.jsonl" --title T --party a:A:principal --party b:B:principal >/dev/null
      head -c 16384 /dev/zero > "$DIR/spare"
      dd if=/dev/zero of="$DIR/fill" bs=4k 2>/dev/null || true
      rm "$DIR/spare"  # 16 KiB left: room for the lock file, not for the 40 KB event
      before=$(sha256sum "$DIR/deal.jsonl")
      set +e
      node "$BIN" append "$DIR/deal.jsonl" --type aid.delivered --data "{\\"region\\":\\"south\\",\\"trucks\\":1,\\"note\\":\\"$(head -c 40000 /dev/zero | tr '\\0' x)\\"}" 2>"$DIR/../err.txt"
      echo "status=$?"
      after=$(sha256sum "$DIR/deal.jsonl")
      [ "$before" = "$after" ] && echo unchanged
      ls "$DIR"
    `;
    const folder = mkdtempSync(join(root, 'full-'));
    const mnt = join(folder, 'mnt');
    spawnSync('mkdir', [mnt]);
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', script], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DIR: mnt,
        BIN: truceBin,
        PATH: `${join(process.execPath, '..')}:${process.env.PATH}`,
      },
    });
    expect(run.stdout).toMatch(/status=4\nunchanged\ndeal\.jsonl\nfill\n/);
    expect(readFileSync(join(folder, 'err.txt'), 'utf8')).toMatch(
      /^error: cannot write .*deal\.jsonl: the disk is full; nothing was appended and the log is unchanged\n$/,
    );
  });
});
