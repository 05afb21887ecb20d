import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ioReason, StoreError } from '../events/index.js';
import { readRange, syncDir, writeAll } from './logFile.js';
import type { StoreFs } from './storeFs.js';

/**
 * Recovery after a crash: the bytes an interrupted write left at the end of the log (a torn
 * last line, or the unacknowledged batch of a write that failed and could not be cut back) are
 * never deleted: they are copied to `LOG.torn-<time>-<random>` beside the log, fsync'd, and only
 * then is the log cut back to its last whole event.
 */

/** Where {@link moveAside} puts bytes cut from a log: a new file beside it. */
export function tornPathOf(log: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return `${log}.torn-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Options of {@link moveAside}. */
export interface MoveAsideOptions {
  /** The log's path, beside which the torn file is made. */
  path: string;
  /** The log's name in messages. */
  name: string;
  fs: StoreFs;
}

/**
 * Copies bytes `[from, to)` of the open log to a new torn file, then cuts the log at `from`;
 * returns the torn file's path. Throws a `StoreError` (the log untouched if the copy failed).
 *
 * @example
 * const side = await moveAside(handle, lastWholeEnd, size, { path, name, fs });
 */
export async function moveAside(
  handle: FileHandle,
  from: number,
  to: number,
  options: MoveAsideOptions,
): Promise<string> {
  const { path, name, fs } = options;
  const side = tornPathOf(path);
  try {
    const buffer = await readRange(handle, from, to);
    const out = await fs.open(side, 'wx');
    try {
      await writeAll(out, buffer, 0);
      await out.sync();
    } finally {
      await out.close();
    }
    await handle.truncate(from);
    await handle.sync();
    await syncDir(fs, dirname(path));
  } catch (error) {
    throw new StoreError(
      `cannot repair ${name} (its last ${to - from} bytes are an interrupted write): ${ioReason(error)}`,
      { cause: error },
    );
  }
  return side;
}
