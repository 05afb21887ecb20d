import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ioReason, StoreError } from '../events/index.js';
import { encodeLockInfo, type LockInfo, readLockFile } from './lockRecord.js';
import { writeAll } from './logFile.js';
import { errnoOf, nodeFs, type StoreFs } from './storeFs.js';

export type { LockInfo } from './lockRecord.js';

/** Options of {@link FileLock.acquire}. */
export interface LockOptions {
  /** Give up after waiting this long for another writer (30 s by default). */
  timeoutMs?: number;
  /** A lock from another host is stale after this long without a refresh (60 s by default). */
  staleMs?: number;
  /**
   * Sweep the temp files of processes that died while making this lock first (true by
   * default). A long-lived writer sweeps on its first lock; each lock after it skips the
   * folder listing, which would otherwise be a tenth of a single append's cost.
   */
  sweep?: boolean;
  /** Called once when the wait passes a second, with who holds the lock, so a user is not left guessing. */
  onWait?: (holder: string) => void;
  /**
   * The locked log's identity when it already exists: a live lock that names another file is
   * refused at once rather than waited for.
   */
  log?: { dev: string; ino: string };
}

/** A taken lock, and the stale lock it replaced if its holder had died. */
export interface Acquired {
  lock: FileLock;
  /** The lock of a writer that died holding it. */
  recovered?: LockInfo;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cross-process write lock: a file beside the log (`LOG.lock`, from the log's real path, so
 * every name of one file meets the same lock) created atomically with its content (written to
 * `LOG.lock.<pid>-<nonce>.tmp`, then hard-linked into place, which fails if the lock exists).
 *
 * - A lock whose holder process is gone (same host) or that has not been refreshed for
 *   `staleMs` (another host) is stale; it is taken over under a short recovery lock so that two
 *   recoverers cannot both take it.
 * - Only a file that reads as a truce lock record is ever replaced or removed: a symbolic link,
 *   a folder, a FIFO or a user's own file at the lock's path is refused with one sentence.
 * - The record is padded to a fixed size and rewritten in place whole.
 * - Temp files left by a process killed while making its lock are removed by the next acquirer.
 *
 * @example
 * const { lock } = await FileLock.acquire('deal.jsonl.lock');
 * try { ... } finally { await lock.release(); }
 */
export class FileLock {
  readonly path: string;
  readonly #fs: StoreFs;
  /** The lock file, open since it was made: records go through it, and it says whose it is. */
  readonly #handle: FileHandle;
  #info: LockInfo;
  /** The last record's write, chained so that records land in order. */
  #recording: Promise<void> = Promise.resolve();
  /** Removing the temp file the lock was made from; awaited on release. */
  readonly #cleanup: Promise<void>;

  private constructor(path: string, fs: StoreFs, made: Made) {
    this.path = path;
    this.#fs = fs;
    this.#handle = made.handle;
    this.#info = made.info;
    this.#cleanup = made.cleanup;
  }

  /** What this holder's record says. */
  get info(): LockInfo {
    return this.#info;
  }

  /** Waits for the lock (polling with jitter), recovering a stale one. */
  static async acquire(
    path: string,
    options: LockOptions = {},
    fs: StoreFs = nodeFs,
  ): Promise<Acquired> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const staleMs = options.staleMs ?? 60_000;
    const started = Date.now();
    const deadline = started + timeoutMs;
    let told = false;
    let wait = 1;
    if (options.sweep !== false) await sweepTemps(path, fs);
    for (let attempt = 0; ; attempt++) {
      const info = newInfo(options.log);
      const made = await createExclusive(path, info, fs);
      if (made) return { lock: new FileLock(path, fs, made) };
      const found = await readLockFile(path, fs).catch((error) => {
        throw lockError(path, error);
      });
      let who = 'another writer';
      if (found.kind === 'foreign') throw foreignLock(path, found.what);
      if (found.kind === 'lock') {
        const holder = found.info;
        if (isStale(holder, found.mtimeMs, staleMs)) {
          const taken = await takeOver(path, holder, info, staleMs, fs);
          if (taken) return { lock: new FileLock(path, fs, taken), recovered: holder };
        } else if (
          options.log !== undefined &&
          holder.log !== undefined &&
          (holder.log.dev !== options.log.dev || holder.log.ino !== options.log.ino)
        ) {
          throw new StoreError(
            `cannot lock ${path}: it is held by process ${holder.pid} on ${holder.host} for another file (device ${holder.log.dev}, inode ${holder.log.ino}); two logs must not share a lock file`,
          );
        }
        who = `process ${holder.pid} on ${holder.host} since ${holder.at}`;
      }
      // The lock vanished or changed between two looks: retry at once, but never spin.
      if (found.kind === 'absent' && attempt % 8 !== 7) continue;
      if (!told && Date.now() - started > 1_000) {
        told = true;
        options.onWait?.(who);
      }
      if (Date.now() > deadline) {
        throw new StoreError(
          `cannot lock ${path}: held by ${who} for over ${Math.round(timeoutMs / 1000)} s; if no truce process is writing, remove ${path}`,
        );
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  /**
   * Records the log's size before this holder writes to it (and, once known, which file the log
   * is); the write to the log must wait for the returned promise. Recording what is already
   * recorded costs nothing.
   */
  record(size: number, log?: { dev: string; ino: string }): Promise<void> {
    const same =
      this.#info.size === size &&
      (log === undefined || (this.#info.log?.dev === log.dev && this.#info.log.ino === log.ino));
    if (same) return this.#recording;
    return this.#rewrite(
      log === undefined ? { ...this.#info, size } : { ...this.#info, size, log },
    );
  }

  #rewrite(info: LockInfo): Promise<void> {
    this.#info = info;
    // The record has a fixed length, so it overwrites the old one whole in place: no truncate
    // (which on ext4 would make the close flush the file) and no stale tail.
    const bytes = encodeLockInfo(info);
    this.#recording = this.#recording.then(async () => {
      try {
        await writeAll(this.#handle, bytes, 0);
      } catch (error) {
        throw lockError(this.path, error);
      }
    });
    return this.#recording;
  }

  /** Removes the lock if it is still ours (the file at its path is the one this holder made). */
  async release(): Promise<void> {
    await this.#recording.catch(() => undefined);
    const [current, mine] = await Promise.all([
      this.#fs.lstat(this.path).catch(() => undefined),
      this.#handle.stat().catch(() => undefined),
    ]);
    const ours =
      current !== undefined &&
      mine !== undefined &&
      current.ino === mine.ino &&
      current.dev === mine.dev;
    await Promise.all([
      ours
        ? this.#fs.unlink(this.path).catch((error) => {
            if (errnoOf(error) !== 'ENOENT') throw error;
          })
        : undefined,
      this.#handle.close().catch(() => undefined),
      this.#cleanup,
    ]);
  }

  /** Lets go of the lock without removing it, so the next writer repairs from its record. */
  async abandon(): Promise<void> {
    await this.#recording.catch(() => undefined);
    await Promise.all([this.#handle.close().catch(() => undefined), this.#cleanup]);
  }
}

function newInfo(log: { dev: string; ino: string } | undefined): LockInfo {
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    nonce: randomBytes(8).toString('hex'),
    at: new Date().toISOString(),
  };
  if (log !== undefined) info.log = log;
  return info;
}

/** A lock file made with its content, open, and the removal of the temp file it was made from. */
interface Made {
  handle: FileHandle;
  info: LockInfo;
  cleanup: Promise<void>;
}

/** `LOG.lock.<pid>-<nonce>.tmp`: the pid says when it is an orphan, the nonce makes it unique. */
function tempPathOf(path: string, info: LockInfo): string {
  return `${path}.${info.pid}-${info.nonce}.tmp`;
}

/** Writes `info` to a new temp file beside `path`, kept open. */
async function writeTemp(temp: string, info: LockInfo, fs: StoreFs): Promise<FileHandle> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx');
    await writeAll(handle, encodeLockInfo(info), 0);
    return handle;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates `path` holding `info`, atomically (a temp file hard-linked into place); undefined if
 * something is already there. The temp file's removal runs on while the holder goes on.
 */
async function createExclusive(
  path: string,
  info: LockInfo,
  fs: StoreFs,
): Promise<Made | undefined> {
  const temp = tempPathOf(path, info);
  let handle: FileHandle;
  try {
    handle = await writeTemp(temp, info, fs);
  } catch (error) {
    throw lockError(path, error);
  }
  let linked = false;
  let failure: unknown;
  try {
    await fs.link(temp, path);
    linked = true;
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') failure = error;
  }
  const cleanup = fs.unlink(temp).then(
    () => undefined,
    () => undefined,
  );
  if (linked) return { handle, info, cleanup };
  await Promise.all([handle.close().catch(() => undefined), cleanup]);
  if (failure !== undefined) throw lockError(path, failure);
  return undefined;
}

/**
 * Removes the temp files (`LOG.lock.<pid>-<nonce>.tmp`) of processes of this host that died
 * while making their lock; only files named so and holding the record their name promises.
 */
async function sweepTemps(path: string, fs: StoreFs): Promise<void> {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await fs.readdir(dirname(path));
  } catch {
    return;
  }
  const here = hostname();
  await Promise.all(
    names.map(async (name) => {
      if (!name.startsWith(prefix)) return;
      const match = /^(\d+)-([0-9a-f]{16})\.tmp$/.exec(name.slice(prefix.length));
      if (!match || processAlive(Number(match[1]))) return;
      const temp = join(dirname(path), name);
      const found = await readLockFile(temp, fs).catch(() => undefined);
      if (
        found?.kind === 'lock' &&
        found.info.host === here &&
        found.info.pid === Number(match[1]) &&
        found.info.nonce === match[2]
      ) {
        await fs.unlink(temp).catch(() => undefined);
      }
    }),
  );
}

/** The lock's holder, `absent` if there is none; throws for anything that is not a truce lock. */
export async function readLockInfo(
  path: string,
  fs: StoreFs = nodeFs,
): Promise<LockInfo | 'absent'> {
  let found: Awaited<ReturnType<typeof readLockFile>>;
  try {
    found = await readLockFile(path, fs);
  } catch (error) {
    throw lockError(path, error);
  }
  if (found.kind === 'foreign') throw foreignLock(path, found.what);
  return found.kind === 'absent' ? 'absent' : found.info;
}

/**
 * Whether a lock's holder is gone: a process of this host that no longer runs, or a lock of
 * another host not refreshed for `staleMs`.
 */
export function isStale(holder: LockInfo, mtimeMs: number, staleMs: number): boolean {
  if (holder.host === hostname()) return !processAlive(holder.pid);
  return Date.now() - mtimeMs > staleMs;
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/**
 * Replaces a stale lock by ours under `LOG.lock.recover`, after checking that the lock is still
 * the one judged stale (another recoverer may have replaced it meanwhile). Ours if taken.
 */
async function takeOver(
  path: string,
  stale: LockInfo,
  ours: LockInfo,
  staleMs: number,
  fs: StoreFs,
): Promise<Made | undefined> {
  const recoverPath = `${path}.recover`;
  const guard = newInfo(undefined);
  const guarded = await createExclusive(recoverPath, guard, fs);
  if (!guarded) {
    const other = await readLockFile(recoverPath, fs).catch((error) => {
      throw lockError(recoverPath, error);
    });
    if (other.kind === 'foreign') throw foreignLock(recoverPath, other.what);
    // A recoverer holds its guard for a few file operations; one that died left it behind.
    if (other.kind === 'lock' && isStale(other.info, other.mtimeMs, Math.min(staleMs, 5_000))) {
      const again = await readLockFile(recoverPath, fs).catch(() => undefined);
      if (again?.kind === 'lock' && again.info.nonce === other.info.nonce) {
        await fs.unlink(recoverPath).catch(() => undefined);
      }
    }
    return undefined;
  }
  await Promise.all([guarded.handle.close().catch(() => undefined), guarded.cleanup]);
  try {
    const now = await readLockFile(path, fs);
    if (now.kind !== 'lock' || now.info.nonce !== stale.nonce) return undefined;
    const temp = tempPathOf(path, ours);
    const handle = await writeTemp(temp, ours, fs);
    try {
      await fs.rename(temp, path);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    return { handle, info: ours, cleanup: Promise.resolve() };
  } catch (error) {
    throw lockError(path, error);
  } finally {
    await fs.unlink(recoverPath).catch(() => undefined);
  }
}

function foreignLock(path: string, what: string): StoreError {
  return new StoreError(
    `cannot lock ${path}: something else is at the lock's place (${what}, not a truce lock); truce never removes it: move it away if no truce process made it`,
  );
}

/** A lock failure in one sentence; a folder that refuses the lock file says where it must be writable. */
function lockError(path: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = errnoOf(error);
  const hint =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? ' (the folder must be writable)'
      : code === 'ENOENT'
        ? ' (the folder does not exist)'
        : '';
  return new StoreError(`cannot lock ${path}: ${ioReason(error)}${hint}`, { cause: error });
}
