import { spawn } from 'node:child_process';
import { truceBin } from '../cli/truce.js';

/** What one run of the built `truce` gave. */
export interface TruceRun {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `truce` without blocking, so several runs share the two cores. */
export function truceAsync(args: string[], timeoutMs = 60_000): Promise<TruceRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [truceBin, ...args], { timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ args, status, stdout, stderr }));
  });
}

/** Maps `items` through `run`, at most `size` at a time, keeping their order. */
export async function pool<T, R>(
  items: readonly T[],
  size: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}
