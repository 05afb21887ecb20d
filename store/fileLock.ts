import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ioReason, StoreError } from '../events/index.js';
import { writeAll } from './logFile.js';
import { errnoOf, nodeFs, type StoreFs } from './storeFs.js';

/** What a lock file says about its holder. */
export interface LockInfo {
  pid: number;
  host: string;
  /** Unique per acquisition, so a recoverer knows the lock it judged stale is still the same. */
  nonce: string;
  /** When it was taken (ISO). */
  at: string;
  /** The log's size before the holder's write: a dead holder's bytes past it are unacknowledged. */
  size?: number;
}

/** Options of {@link FileLock.acquire}. */
export interface LockOptions {
  /** Give up after waiting this long for another writer (30 s by default). */
  timeoutMs?: number;
  /** A lock from another host is stale after this long without a refresh (60 s by default). */
  staleMs?: number;
  /** Called once when the wait passes a second, with who holds the lock, so a user is not left guessing. */
  onWait?: (holder: string) => void;
}

/** A taken lock, and the stale lock it replaced if its holder had died. */
export interface Acquired {
  lock: FileLock;
  /** The lock of a writer that died holding it: its `size` says where its unfinished write began. */
  recovered?: LockInfo;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cross-process write lock: a file beside the log (`LOG.lock`) created atomically with its
 * content (written to a temp file, then hard-linked into place, which fails if the lock exists).
 * A lock whose holder process is gone (same host) or that has not been refreshed for `staleMs`
 * (another host) is stale; it is taken over under a short recovery lock so that two recoverers
 * cannot both take it. The holder records the log size before writing, so a recoverer can cut
 * off what a writer killed mid-write left behind.
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

  private constructor(
    path: string,
    fs: StoreFs,
    made: { handle: FileHandle; info: LockInfo; cleanup: Promise<void> },
  ) {
    this.path = path;
    this.#fs = fs;
    this.#handle = made.handle;
    this.#info = made.info;
    this.#cleanup = made.cleanup;
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
    for (;;) {
      const info = newInfo();
      const made = await createExclusive(path, info, fs);
      if (made) return { lock: new FileLock(path, fs, made) };
      const holder = await readLockInfo(path, fs);
      if (holder === 'absent') continue;
      if (await isStale(path, holder, staleMs, fs)) {
        const taken = await takeOver(path, holder, info, staleMs, fs);
        if (taken) {
          const acquired: Acquired = { lock: new FileLock(path, fs, taken) };
          if (holder !== 'unreadable') acquired.recovered = holder;
          return acquired;
        }
        continue;
      }
      const who =
        holder === 'unreadable'
          ? 'another writer'
          : `process ${holder.pid} on ${holder.host} since ${holder.at}`;
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
   * Records the log's size before this holder writes to it; the write to the log must wait for
   * the returned promise. Recording the size already recorded costs nothing.
   */
  record(size: number): Promise<void> {
    if (this.#info.size === size) return this.#recording;
    this.#info = { ...this.#info, size };
    // The new content only adds a field (or a longer number), so it overwrites the old in place:
    // no truncate, which on ext4 would make the close flush the file (its replace-by-truncate
    // heuristic).
    const bytes = Buffer.from(JSON.stringify(this.#info));
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
      this.#fs.stat(this.path).catch(() => undefined),
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

function newInfo(): LockInfo {
  return {
    pid: process.pid,
    host: hostname(),
    nonce: randomBytes(8).toString('hex'),
    at: new Date().toISOString(),
  };
}

/** A lock file made with its content, open, and the removal of the temp file it was made from. */
interface Made {
  handle: FileHandle;
  info: LockInfo;
  cleanup: Promise<void>;
}

/** Writes `info` to a new temp file beside `path`, kept open. */
async function writeTemp(temp: string, info: LockInfo, fs: StoreFs): Promise<FileHandle> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx');
    await writeAll(handle, Buffer.from(JSON.stringify(info)), 0);
    return handle;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates `path` holding `info`, atomically (a temp file hard-linked into place); undefined if
 * it already exists. The temp file's removal runs on while the holder goes on.
 */
async function createExclusive(
  path: string,
  info: LockInfo,
  fs: StoreFs,
): Promise<Made | undefined> {
  const temp = `${path}.${info.nonce}.tmp`;
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

/** The lock's content, `absent` if there is none, `unreadable` if it is not a lock we know. */
export async function readLockInfo(
  path: string,
  fs: StoreFs = nodeFs,
): Promise<LockInfo | 'absent' | 'unreadable'> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'absent';
    throw lockError(path, error);
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (typeof info.pid === 'number' && typeof info.nonce === 'string') return info;
  } catch {
    // A lock file not written by truce: judged by its age alone.
  }
  return 'unreadable';
}

async function isStale(
  path: string,
  holder: LockInfo | 'unreadable',
  staleMs: number,
  fs: StoreFs,
): Promise<boolean> {
  if (holder !== 'unreadable' && holder.host === hostname()) return !processAlive(holder.pid);
  try {
    const { mtimeMs } = await fs.stat(path);
    return Date.now() - mtimeMs > staleMs;
  } catch {
    return false;
  }
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
 * the one judged stale (another recoverer may have replaced it meanwhile). True if we hold it.
 */
async function takeOver(
  path: string,
  stale: LockInfo | 'unreadable',
  ours: LockInfo,
  staleMs: number,
  fs: StoreFs,
): Promise<Made | undefined> {
  const recoverPath = `${path}.recover`;
  const guard = newInfo();
  const guarded = await createExclusive(recoverPath, guard, fs);
  if (!guarded) {
    const other = await readLockInfo(recoverPath, fs);
    // A recoverer holds its guard for a few file operations; one that died left it behind.
    if (other !== 'absent' && (await isStale(recoverPath, other, Math.min(staleMs, 5_000), fs))) {
      await fs.unlink(recoverPath).catch(() => undefined);
    }
    return undefined;
  }
  await Promise.all([guarded.handle.close().catch(() => undefined), guarded.cleanup]);
  try {
    const now = await readLockInfo(path, fs);
    const same =
      now === 'absent'
        ? false
        : now === 'unreadable' || stale === 'unreadable'
          ? now === stale
          : now.nonce === stale.nonce;
    if (!same) return undefined;
    const temp = `${path}.${ours.nonce}.tmp`;
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
