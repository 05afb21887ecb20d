import { StoreError } from '../events/index.js';
import { isStale } from './fileLock.js';
import { readLockFile } from './lockRecord.js';
import { identityOf, realLogPath } from './logPath.js';
import { nodeFs, type StoreFs } from './storeFs.js';

/**
 * How far a reader of the log at `path` may read without seeing a write in progress: the file's
 * size, or where the live writer holding its lock began. A lock whose holder is dead is not
 * trusted (the bytes past its record may be acknowledged events): the whole file is read, and a
 * torn tail is the reader's to report. A lock that names another file is ignored. The size is
 * taken before the lock is read, so only a write that starts and ends between the two can slip
 * past. Throws the file system's error (e.g. ENOENT) for a log that cannot be stat'ed.
 *
 * @example
 * await replayLog(log, { end: await committedSize(log) });
 */
export async function committedSize(path: string, fs: StoreFs = nodeFs): Promise<number> {
  const stat = await fs.stat(path);
  const size = stat.size;
  if (!stat.isFile()) {
    throw new StoreError(
      `cannot read ${path}: it is not a regular file (a pipe, a device or a folder)`,
    );
  }
  let found: Awaited<ReturnType<typeof readLockFile>>;
  try {
    found = await readLockFile(`${await realLogPath(path, fs)}.lock`, fs);
  } catch {
    return size;
  }
  if (found.kind !== 'lock') return size;
  const { info } = found;
  const log = identityOf(stat);
  if (info.log !== undefined && (info.log.dev !== log.dev || info.log.ino !== log.ino)) {
    return size;
  }
  if (info.size === undefined || isStale(info, found.mtimeMs, 60_000)) return size;
  return Math.min(size, info.size);
}

/**
 * {@link committedSize} as a `readLog` option: `{ end }` when it can be read, else nothing, so
 * the reader itself reports a missing or unreadable log in its own words.
 *
 * @example
 * for await (const entry of readLog(log, await committedEnd(log))) …
 */
export async function committedEnd(path: string, fs: StoreFs = nodeFs): Promise<{ end?: number }> {
  // A pipe or device has no size to stop at: the reader reads it to its end, or refuses it.
  try {
    return { end: await committedSize(path, fs) };
  } catch {
    return {};
  }
}
