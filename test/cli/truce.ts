import { spawnSync } from 'node:child_process';
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
