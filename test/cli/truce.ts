import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The built `truce` entry, as npm's bin link runs it. */
export const truceBin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** What one run of the command gave. */
export interface TruceRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `truce` with `args`, optionally through a wrapper such as `setpriv …`. */
export function truce(args: string[], wrapper: string[] = []): TruceRun {
  const [command, ...rest] = [...wrapper, process.execPath, truceBin, ...args] as [
    string,
    ...string[],
  ];
  const result = spawnSync(command, rest, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Writes the log `truce generate --events N` gives (with `--seed S` when given) to `path`, and
 * gives its text: the tests' long legal logs.
 */
export function writeGenerated(path: string, events: number, seed?: number): string {
  const args = ['generate', '--events', String(events)];
  if (seed !== undefined) args.push('--seed', String(seed));
  const run = spawnSync(process.execPath, [truceBin, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`truce ${args.join(' ')} failed: ${run.stderr}`);
  writeFileSync(path, run.stdout);
  return run.stdout;
}
