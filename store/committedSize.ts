import type { Stats } from 'node:fs';
import { StoreError } from '../events/index.js';
import { isStale } from './fileLock.js';
import { readLockFile } from './lockRecord.js';
import { identityOf, realLogPath } from './logPath.js';
import { nodeFs, type StoreFs } from './storeFs.js';

/** Looks at the log and its lock again at most this often when a write moves the size meanwhile. */
const ATTEMPTS = 8;

/**
 * How far a reader of the log at `path` may read without seeing a write in progress: where the
 * live writer holding its lock recorded the end of the acknowledged events, or the file's size
 * when no live writer holds it. A lock whose holder is dead is not trusted (the bytes past its
 * record may be acknowledged events): the whole file is read, and a torn tail is the reader's to
 * report. A lock that names another file is ignored. Throws the file system's error (e.g.
 * ENOENT) for a log that cannot be stat'ed.
 *
 * A stat can land inside a write (a file's size grows a page at a time while a line crosses a
 * page boundary), so its size alone is never taken as the end while anything moves: the size
 * is read before and after the lock. A live writer's record is a line end it wrote and fsynced
 * in full, so it is the end whenever the file holds it. Without a live writer, the two sizes
 * must agree (a write that began and ended between the looks changes the second): else it looks
 * again, and after {@link ATTEMPTS} looks takes the second size, which the reader then judges.
 *
 * @example
 * await replayLog(log, { end: await committedSize(log) });
 */
export async function committedSize(path: string, fs: StoreFs = nodeFs): Promise<number> {
  let size = 0;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await fs.stat(path);
    if (!before.isFile()) {
      throw new StoreError(
        `cannot read ${path}: it is not a regular file (a pipe, a device or a folder)`,
      );
    }
    const record = await liveRecord(path, before, fs);
    size = (await fs.stat(path)).size;
    if (record !== null && record <= size) return record;
    if (record === null && size === before.size) return size;
  }
  return size;
}

/** The end the live writer holding the log's lock recorded, or null: no lock, or not a live one's. */
async function liveRecord(path: string, stat: Stats, fs: StoreFs): Promise<number | null> {
  let found: Awaited<ReturnType<typeof readLockFile>>;
  try {
    found = await readLockFile(`${await realLogPath(path, fs)}.lock`, fs);
  } catch {
    return null;
  }
  if (found.kind !== 'lock') return null;
  const { info } = found;
  const log = identityOf(stat);
  if (info.log !== undefined && (info.log.dev !== log.dev || info.log.ino !== log.ino)) {
    return null;
  }
  if (info.size === undefined || isStale(info, found.mtimeMs, 60_000)) return null;
  return info.size;
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
