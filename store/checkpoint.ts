import type { FileHandle } from 'node:fs/promises';
import { DEFAULT_MAX_LINE_BYTES } from '../events/index.js';
import { Replayer } from '../replay/index.js';
import { readRange, readRangeSync, sha256 } from './logFile.js';
import type { LogState } from './prepareAppend.js';
import { StoredIds } from './storedIds.js';
import type { StoreFs } from './storeFs.js';

/** A log's state as the file store keeps it: its ids compact ({@link StoredIds}). */
export interface FileLogState extends LogState {
  ids: StoredIds;
}

/**
 * The state of a log at a byte offset (head, ids, replayer), with what identifies the file at
 * that offset: its inode and the hash of the last line covered. Verified against the file
 * before each use, so a log edited or replaced since is replayed again rather than trusted.
 */
export interface Checkpoint {
  state: FileLogState;
  /** Bytes of the log covered, ending with a whole line. */
  bytes: number;
  /** The log file's inode. */
  ino: number;
  /** Where the last covered line starts, and the SHA-256 of that line (with its `\n`). */
  lastLineStart: number;
  lastLineHash: string;
  /** The seq the snapshot sidecar on disk covers. */
  snapshotSeq: number;
}

/**
 * The checkpoint of an empty log; its ids exact up to `exactLimit` (IdIndex's default: tests
 * use fewer).
 */
export function emptyCheckpoint(ino: number, file: string, exactLimit?: number): Checkpoint {
  return {
    state: { head: 0, ids: new StoredIds(undefined, exactLimit), replayer: new Replayer({ file }) },
    bytes: 0,
    ino,
    lastLineStart: 0,
    lastLineHash: '',
    snapshotSeq: 0,
  };
}

/** Where a prefix of a log ends, and the SHA-256 of its last line: cheap evidence it is still there. */
export interface LineMark {
  /** Bytes of the log covered, ending with a whole line. */
  bytes: number;
  /** Where the last covered line starts, and the SHA-256 of that line (with its `\n`). */
  lastLineStart: number;
  lastLineHash: string;
}

/**
 * Whether the open log (of `size` bytes) still holds the mark's last line at the same place:
 * one line read and hashed, however long the log.
 *
 * @example
 * if (await lastLineHolds(handle, mark, size)) resumeFrom(mark.bytes);
 */
export async function lastLineHolds(
  handle: FileHandle,
  mark: LineMark,
  size: number,
): Promise<boolean> {
  const length = lastLineLength(mark, size);
  if (typeof length === 'boolean') return length;
  return lineMatches(await readRange(handle, mark.lastLineStart, mark.bytes), length, mark);
}

/**
 * {@link lastLineHolds} on a file descriptor, read at once (the store's append path).
 *
 * @example
 * if (lastLineHoldsSync(nodeFs, fd, mark, size)) resumeFrom(mark.bytes);
 */
export function lastLineHoldsSync(fs: StoreFs, fd: number, mark: LineMark, size: number): boolean {
  const length = lastLineLength(mark, size);
  if (typeof length === 'boolean') return length;
  return lineMatches(readRangeSync(fs, fd, mark.lastLineStart, mark.bytes), length, mark);
}

/** The length of the mark's last line to read back, or the answer when nothing need be read. */
function lastLineLength(mark: LineMark, size: number): number | boolean {
  if (mark.bytes > size) return false;
  if (mark.bytes === 0) return true;
  const length = mark.bytes - mark.lastLineStart;
  if (length <= 0 || length > DEFAULT_MAX_LINE_BYTES) return false;
  return length;
}

function lineMatches(line: Buffer, length: number, mark: LineMark): boolean {
  return line.length === length && sha256(line) === mark.lastLineHash;
}

/**
 * The checkpoint if the open log (of `size` bytes and inode `ino`) still holds its last line at
 * the same place, else undefined.
 *
 * @example
 * const base = verifyCheckpoint(nodeFs, fd, cached, size, ino) ?? emptyCheckpoint(ino, log);
 */
export function verifyCheckpoint(
  fs: StoreFs,
  fd: number,
  checkpoint: Checkpoint | undefined,
  size: number,
  ino: number,
): Checkpoint | undefined {
  if (checkpoint === undefined || checkpoint.ino !== ino) return;
  return lastLineHoldsSync(fs, fd, checkpoint, size) ? checkpoint : undefined;
}
