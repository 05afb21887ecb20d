import { readLockInfo } from './fileLock.js';
import { nodeFs, type StoreFs } from './storeFs.js';

/**
 * How far a reader of the log at `path` may read without seeing a write in progress: the file's
 * size, or where the writer holding `path.lock` began. The size is taken before the lock is
 * read, so only a write that starts and ends between the two can slip past. Throws the file
 * system's error (e.g. ENOENT) for a log that cannot be stat'ed.
 *
 * @example
 * await replayLog(log, { end: await committedSize(log) });
 */
export async function committedSize(path: string, fs: StoreFs = nodeFs): Promise<number> {
  const size = (await fs.stat(path)).size;
  const lock = await readLockInfo(`${path}.lock`, fs).catch(() => 'absent' as const);
  return typeof lock === 'object' && lock.size !== undefined ? Math.min(size, lock.size) : size;
}

/**
 * {@link committedSize} as a `readLog` option: `{ end }` when it can be read, else nothing, so
 * the reader itself reports a missing or unreadable log in its own words.
 *
 * @example
 * for await (const entry of readLog(log, await committedEnd(log))) …
 */
export async function committedEnd(path: string, fs: StoreFs = nodeFs): Promise<{ end?: number }> {
  try {
    return { end: await committedSize(path, fs) };
  } catch {
    return {};
  }
}
