import { constants } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { ioReason, StoreError } from '../events/index.js';
import { encodeLockInfo, type LockInfo, readLockFile } from './lockRecord.js';
import { writeAllSync } from './logFile.js';
import { randomBytes } from './nodeCrypto.js';
import { errnoOf, nodeFs, type StoreFs } from './storeFs.js';

export type { LockInfo } from './lockRecord.js';

// node:os is loaded by the first lock or lock file looked at, not by every command that
// imports the store.
const requireBuiltin = createRequire(import.meta.url);
const hostname = (): string => (requireBuiltin('node:os') as typeof import('node:os')).hostname();

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
 * - A writer kept waiting knocks: it keeps `LOG.lock.wait` fresh while it waits and removes it
 *   once it has the lock. A holder that keeps the lock across appends asks
 *   {@link FileLock.waitedFor} before each one and lets go when someone knocks (see
 *   `FileEventStore`), so a burst of appends never starves another writer.
 *
 * @example
 * const { lock } = await FileLock.acquire('deal.jsonl.lock');
 * try { ... } finally { await lock.release(); }
 */
export class FileLock {
  readonly path: string;
  readonly #fs: StoreFs;
  /** The lock file, open since it was made: records go through it, and it says whose it is. */
  readonly #fd: number;
  #info: LockInfo;
  /** The record as last written through {@link #fd}: what the file holds while it is ours. */
  #written: Buffer;
  /** The lock file's identity, to tell whether the file at {@link path} is still this one. */
  readonly #dev: number;
  readonly #ino: number;
  /** Whether the file may not hold {@link info} (a record's write failed): rewrite it next time. */
  #unsure = false;
  #closed = false;

  private constructor(path: string, fs: StoreFs, made: Made) {
    this.path = path;
    this.#fs = fs;
    this.#fd = made.fd;
    this.#info = made.info;
    this.#written = made.written;
    const stat = fs.fstatSync(made.fd);
    this.#dev = stat.dev;
    this.#ino = stat.ino;
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
    let knocked = false;
    const knock = knockPathOf(path);
    if (options.sweep !== false) await sweepTemps(path, fs);
    for (let attempt = 0; ; attempt++) {
      const info = newInfo(options.log);
      const made = createExclusive(path, info, fs);
      if (made) {
        if (knocked) unlinkQuietly(fs, knock);
        return { lock: new FileLock(path, fs, made) };
      }
      const found = await readLockFile(path, fs).catch((error) => {
        throw lockError(path, error);
      });
      let who = 'another writer';
      if (found.kind === 'foreign') throw foreignLock(path, found.what);
      if (found.kind === 'lock') {
        const holder = found.info;
        if (isStale(holder, found.mtimeMs, staleMs)) {
          const taken = await takeOver(path, holder, info, staleMs, fs);
          if (taken) {
            if (knocked) unlinkQuietly(fs, knock);
            return { lock: new FileLock(path, fs, taken), recovered: holder };
          }
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
        // Tell a holder that keeps the lock across appends that someone waits (refreshed at
        // every look, so a knock nobody refreshes is known to be left over).
        knocked = knockAt(knock, fs) || knocked;
      }
      // The lock vanished or changed between two looks: retry at once, but never spin.
      if (found.kind === 'absent' && attempt % 8 !== 7) continue;
      if (!told && Date.now() - started > 1_000) {
        told = true;
        options.onWait?.(who);
      }
      if (Date.now() > deadline) {
        if (knocked) unlinkQuietly(fs, knock);
        throw new StoreError(
          `cannot lock ${path}: held by ${who} for over ${Math.round(timeoutMs / 1000)} s; if no truce process is writing, remove ${path}`,
        );
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, MAX_POLL_MS);
    }
  }

  /**
   * Whether another writer has knocked within the last {@link KNOCK_FRESH_MS}: a holder keeping
   * the lock across appends lets go then. A knock left by a writer that gave up or died is
   * removed.
   */
  waitedFor(): boolean {
    return knockedAt(this.path, this.#fs);
  }

  /**
   * After letting go because someone knocked, gives the waiting writer the lock: returns once
   * the knock is gone (the waiter took the lock) or after `maxMs`, whichever comes first.
   */
  static async letIn(path: string, fs: StoreFs = nodeFs, maxMs = 250): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until && knockedAt(path, fs)) await sleep(2);
  }

  /**
   * Whether this lock is still in place: the file at {@link path} is the one this holder made,
   * and it still holds this holder's record (nobody removed, replaced or rewrote it).
   */
  held(): boolean {
    if (this.#closed || this.#unsure) return false;
    try {
      const current = this.#fs.lstatSync(this.path);
      if (current.ino !== this.#ino || current.dev !== this.#dev) return false;
      const bytes = Buffer.allocUnsafe(this.#written.length);
      const read = this.#fs.readSync(this.#fd, bytes, 0, bytes.length, 0);
      return read === bytes.length && bytes.equals(this.#written);
    } catch {
      return false;
    }
  }

  /**
   * Records the log's size before this holder writes to it (and, once known, which file the log
   * is); the write to the log must wait for the returned promise. Recording what is already
   * recorded costs nothing.
   */
  record(size: number, log?: { dev: string; ino: string }): Promise<void> {
    try {
      this.recordNow(size, log);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link record}, written before it returns (a `pwrite` of the fixed-width record). */
  recordNow(size: number, log?: { dev: string; ino: string }): void {
    const same =
      !this.#unsure &&
      this.#info.size === size &&
      (log === undefined || (this.#info.log?.dev === log.dev && this.#info.log.ino === log.ino));
    if (same) return;
    this.#info = log === undefined ? { ...this.#info, size } : { ...this.#info, size, log };
    // The record has a fixed length, so it overwrites the old one whole in place: no truncate
    // (which on ext4 would make the close flush the file) and no stale tail.
    this.#unsure = true;
    const bytes = encodeLockInfo(this.#info);
    try {
      writeAllSync(this.#fs, this.#fd, bytes, 0);
    } catch (error) {
      throw lockError(this.path, error);
    }
    this.#written = bytes;
    this.#unsure = false;
  }

  /**
   * Removes the lock if it is still ours (the file at its path is the one this holder made, and
   * holds this holder's record).
   */
  async release(): Promise<void> {
    this.releaseNow();
  }

  /** {@link release}, done before it returns. */
  releaseNow(): void {
    if (this.#closed) return;
    // A record this holder failed to write leaves the file unsure: it is still the one made.
    const ours = this.#unsure ? this.#isAtPath() : this.held();
    this.#close();
    if (!ours) return;
    try {
      this.#fs.unlinkSync(this.path);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
  }

  /** Lets go of the lock without removing it, so the next writer repairs from its record. */
  async abandon(): Promise<void> {
    this.#close();
  }

  #isAtPath(): boolean {
    try {
      const current = this.#fs.lstatSync(this.path);
      return current.ino === this.#ino && current.dev === this.#dev;
    } catch {
      return false;
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#fs.closeSync(this.#fd);
    } catch {
      // Closing a descriptor only fails if it is already closed: nothing is left to do.
    }
  }
}

/**
 * This process's half of every nonce, drawn at its first lock (not when this module loads: a
 * command that takes no lock does not load node:crypto); the other half counts its acquisitions.
 */
let nonceBase: string | undefined;
let acquisitions = 0;

function newInfo(log: { dev: string; ino: string } | undefined): LockInfo {
  acquisitions = (acquisitions + 1) % 0x1_0000_0000;
  nonceBase ??= randomBytes(4).toString('hex');
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    // Unique per acquisition (the pid tells processes apart), without asking for randomness each time.
    nonce: `${nonceBase}${acquisitions.toString(16).padStart(8, '0')}`,
    at: new Date().toISOString(),
  };
  if (log !== undefined) info.log = log;
  return info;
}

/** A lock file made with its content, and its descriptor, open. */
interface Made {
  fd: number;
  info: LockInfo;
  /** The record written. */
  written: Buffer;
}

/** `LOG.lock.<pid>-<nonce>.tmp`: the pid says when it is an orphan, the nonce makes it unique. */
function tempPathOf(path: string, info: LockInfo): string {
  return `${path}.${info.pid}-${info.nonce}.tmp`;
}

const { O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/** The longest pause between two looks at a held lock, before jitter. */
const MAX_POLL_MS = 20;

/** A knock not refreshed for this long was left by a writer that gave up or died. */
export const KNOCK_FRESH_MS = 2_000;

/** Where a waiting writer knocks: `LOG.lock.wait`. */
export function knockPathOf(lockPath: string): string {
  return `${lockPath}.wait`;
}

/** Whether a fresh knock is at the lock's `path`; a stale one is removed. */
function knockedAt(path: string, fs: StoreFs): boolean {
  const knock = knockPathOf(path);
  let stat: ReturnType<StoreFs['statSync']>;
  try {
    stat = fs.statSync(knock);
  } catch {
    return false;
  }
  if (stat === undefined) return false;
  // A knock dated ahead was refreshed by no waiting writer (a clock set back, a file touched by
  // hand): taken as fresh, it would make every append of a lease wait.
  if (Math.abs(Date.now() - stat.mtimeMs) <= KNOCK_FRESH_MS) return true;
  unlinkQuietly(fs, knock);
  return false;
}

/** Creates or refreshes a knock (its time is what counts); whether it is there now. */
function knockAt(knock: string, fs: StoreFs): boolean {
  try {
    const fd = fs.openSync(knock, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
    try {
      writeAllSync(fs, fd, KNOCK, 0);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch {
    // A knock is a courtesy: without it the holder lets go when idle, as before.
    return false;
  }
}

const KNOCK = Buffer.from('waiting for the lock\n');

/** Writes `info` to a new temp file beside `path`; its descriptor, kept open, and the record. */
function writeTemp(temp: string, info: LockInfo, fs: StoreFs): { fd: number; written: Buffer } {
  let fd: number | undefined;
  try {
    // O_RDWR: the holder reads its record back to know the lock is still its own.
    fd = fs.openSync(temp, O_RDWR | O_CREAT | O_EXCL, 0o666);
    const written = encodeLockInfo(info);
    writeAllSync(fs, fd, written, 0);
    return { fd, written };
  } catch (error) {
    if (fd !== undefined) closeQuietly(fs, fd);
    unlinkQuietly(fs, temp);
    throw error;
  }
}

/**
 * Creates `path` holding `info`, atomically (a temp file hard-linked into place, then removed);
 * undefined if something is already there.
 */
function createExclusive(path: string, info: LockInfo, fs: StoreFs): Made | undefined {
  const temp = tempPathOf(path, info);
  let fd: number;
  let written: Buffer;
  try {
    ({ fd, written } = writeTemp(temp, info, fs));
  } catch (error) {
    throw lockError(path, error);
  }
  let failure: unknown;
  try {
    fs.linkSync(temp, path);
    unlinkQuietly(fs, temp);
    return { fd, info, written };
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') failure = error;
  }
  closeQuietly(fs, fd);
  unlinkQuietly(fs, temp);
  if (failure !== undefined) throw lockError(path, failure);
  return undefined;
}

function closeQuietly(fs: StoreFs, fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed: nothing to let go of.
  }
}

function unlinkQuietly(fs: StoreFs, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // Gone already, or not ours to remove: the next writer's sweep judges what is left.
  }
}

/**
 * Removes the temp files (`LOG.lock.<pid>-<nonce>.tmp`) of processes of this host that died
 * while making their lock; only files named so and holding the record their name promises.
 */
async function sweepTemps(path: string, fs: StoreFs): Promise<void> {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dirname(path));
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
  const guarded = createExclusive(recoverPath, guard, fs);
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
  closeQuietly(fs, guarded.fd);
  try {
    const now = await readLockFile(path, fs);
    if (now.kind !== 'lock' || now.info.nonce !== stale.nonce) return undefined;
    const temp = tempPathOf(path, ours);
    const { fd, written } = writeTemp(temp, ours, fs);
    try {
      await fs.rename(temp, path);
    } catch (error) {
      closeQuietly(fs, fd);
      unlinkQuietly(fs, temp);
      throw error;
    }
    return { fd, info: ours, written };
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
