import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

/**
 * The file-system calls the file store makes, so a test can inject a failing disk (`ENOSPC`,
 * `EIO`) where root ignores permissions. Node's own by default.
 *
 * The append path makes its small calls synchronously (`…Sync`, on file descriptors): each
 * takes microseconds, while a call through `fs/promises` is a round trip through libuv's thread
 * pool, and on a busy machine every round trip waits for a core twice. Only `fsync`, which
 * waits for the disk, stays asynchronous, so the event loop never waits for the disk.
 */
export interface StoreFs {
  open: typeof fsp.open;
  stat: typeof fsp.stat;
  readFile: typeof fsp.readFile;
  writeFile: typeof fsp.writeFile;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
  link: typeof fsp.link;
  utimes: typeof fsp.utimes;
  lstat: typeof fsp.lstat;
  mkdir: typeof fsp.mkdir;
  readdir: (path: string) => Promise<string[]>;
  realpath: (path: string) => Promise<string>;
  /** Opens a file: `flags` are `O_*` constants; returns the descriptor. */
  openSync: (path: string, flags: number, mode?: number) => number;
  /** {@link StoreFs.openSync} in the thread pool. */
  openFd: (path: string, flags: number, mode?: number) => Promise<number>;
  closeSync: (fd: number) => void;
  fstatSync: (fd: number) => fs.Stats;
  /**
   * `fstat` with its times in nanoseconds, as bigints: what a file's fingerprint is made of
   * (`fingerprintOf`), where milliseconds as floats would take two states of a file for one.
   */
  fstatBigIntSync: (fd: number) => fs.BigIntStats;
  /** `stat`, undefined when nothing is at `path`. */
  statSync: (path: string) => fs.Stats | undefined;
  /** {@link StoreFs.statSync} in nanoseconds, as {@link StoreFs.fstatBigIntSync}. */
  statBigIntSync: (path: string) => fs.BigIntStats | undefined;
  lstatSync: (path: string) => fs.Stats;
  /** Reads into `buffer[offset, offset + length)` from `position`; the bytes read. */
  readSync: (
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ) => number;
  /** Writes `buffer[offset, offset + length)` at `position` (null: the end, in append mode). */
  writeSync: (
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ) => number;
  ftruncateSync: (fd: number, length: number) => void;
  linkSync: (existing: string, path: string) => void;
  renameSync: (from: string, to: string) => void;
  unlinkSync: (path: string) => void;
  readdirSync: (path: string) => string[];
  /** The path with every symbolic link resolved (the C library's `realpath`, as `realpath` above). */
  realpathSync: (path: string) => string;
  /** Flushes a file to the disk; the one call of an append that waits for the disk. */
  fsync: (fd: number) => Promise<void>;
}

/** Node's own file system. */
export const nodeFs: StoreFs = {
  open: fsp.open,
  stat: fsp.stat,
  readFile: fsp.readFile,
  writeFile: fsp.writeFile,
  rename: fsp.rename,
  unlink: fsp.unlink,
  link: fsp.link,
  utimes: fsp.utimes,
  lstat: fsp.lstat,
  mkdir: fsp.mkdir,
  readdir: (path) => fsp.readdir(path),
  realpath: (path) => fsp.realpath(path),
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  openFd: (path, flags, mode) =>
    new Promise((resolve, reject) => {
      fs.open(path, flags, mode, (error, fd) => (error ? reject(error) : resolve(fd)));
    }),
  closeSync: (fd) => fs.closeSync(fd),
  fstatSync: (fd) => fs.fstatSync(fd),
  fstatBigIntSync: (fd) => fs.fstatSync(fd, { bigint: true }),
  statSync: (path) => fs.statSync(path, { throwIfNoEntry: false }),
  statBigIntSync: (path) => fs.statSync(path, { bigint: true, throwIfNoEntry: false }),
  lstatSync: (path) => fs.lstatSync(path),
  readSync: (fd, buffer, offset, length, position) =>
    fs.readSync(fd, buffer, offset, length, position),
  writeSync: (fd, buffer, offset, length, position) =>
    fs.writeSync(fd, buffer, offset, length, position),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  linkSync: (existing, path) => fs.linkSync(existing, path),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  readdirSync: (path) => fs.readdirSync(path),
  realpathSync: (path) => fs.realpathSync.native(path),
  fsync: (fd) =>
    new Promise((resolve, reject) => {
      fs.fsync(fd, (error) => (error ? reject(error) : resolve()));
    }),
};

/** The `code` of a Node.js system error, if it has one. */
export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
