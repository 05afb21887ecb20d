import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const worker = join(import.meta.dirname, 'children', 'raceWorker.mjs');

/**
 * Races one writer process per path (children/raceWorker.mjs: each appends with the same
 * expected version when told `go ROUND EXPECTED`) for `rounds` rounds and returns, per round,
 * what every writer answered (`ok ROUND HEAD` or `conflict ROUND HEAD`). Paths may name the same
 * log several times, or by other names (a symbolic link). Every writer waits for the round to
 * start, so the race is real however loaded the machine; nothing is timed.
 *
 * @example
 * const answers = await raceWriters([log, log], 100);
 */
export async function raceWriters(paths: readonly string[], rounds: number): Promise<string[][]> {
  let ready = 0;
  let onReady!: () => void;
  const allReady = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const answers = new Map<string, string[]>();
  let waiting: { round: string; resolve: () => void } | undefined;
  const workers = paths.map((path, w) => {
    const child = spawn(process.execPath, [worker, path, String(w)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }) as unknown as ChildProcessWithoutNullStreams;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') {
        if (++ready === paths.length) onReady();
        return;
      }
      const round = line.split(' ')[1] as string;
      const list = answers.get(round) ?? [];
      list.push(line);
      answers.set(round, list);
      if (waiting?.round === round && list.length === paths.length) waiting.resolve();
    });
    return { child, exited: new Promise((resolve) => child.on('exit', resolve)) };
  });
  const byRound: string[][] = [];
  try {
    await allReady;
    for (let round = 1; round <= rounds; round++) {
      const key = String(round);
      const done = new Promise<void>((resolve) => {
        waiting = { round: key, resolve };
      });
      for (const { child } of workers) child.stdin.write(`go ${round} ${round}\n`);
      await done;
      byRound.push(answers.get(key) as string[]);
    }
  } finally {
    for (const { child } of workers) child.stdin.end();
    await Promise.all(workers.map((w) => w.exited));
  }
  return byRound;
}
