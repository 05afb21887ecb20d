import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { ioReason, StoreError } from '../events/index.js';
import { readRangeSync, syncDir, writeAllSync } from './logFile.js';
import { randomBytes } from './nodeCrypto.js';
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
 * Copies bytes `[from, to)` of the log open as `fd` to a new torn file, then cuts the log at
 * `from`; returns the torn file's path. Throws a `StoreError` (the log untouched if the copy
 * failed).
 *
 * @example
 * const side = await moveAside(fd, lastWholeEnd, size, { path, name, fs });
 */
export async function moveAside(
  fd: number,
  from: number,
  to: number,
  options: MoveAsideOptions,
): Promise<string> {
  const { path, name, fs } = options;
  const side = tornPathOf(path);
  const { O_WRONLY, O_CREAT, O_EXCL } = constants;
  try {
    const buffer = readRangeSync(fs, fd, from, to);
    const out = fs.openSync(side, O_WRONLY | O_CREAT | O_EXCL, 0o666);
    try {
      writeAllSync(fs, out, buffer, 0);
      await fs.fsync(out);
    } finally {
      fs.closeSync(out);
    }
    fs.ftruncateSync(fd, from);
    await fs.fsync(fd);
    await syncDir(fs, dirname(path));
  } catch (error) {
    throw new StoreError(
      `cannot repair ${name} (its last ${to - from} bytes are an interrupted write): ${ioReason(error)}`,
      { cause: error },
    );
  }
  return side;
}
