import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { StoreError } from '../events/index.js';
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
  #info: LockInfo;

  private constructor(path: string, fs: StoreFs, info: LockInfo) {
    this.path = path;
    this.#fs = fs;
    this.#info = info;
  }

  /** Waits for the lock (polling with jitter), recovering a stale one. */
  static async acquire(
    path: string,
    options: LockOptions = {},
    fs: StoreFs = nodeFs,
  ): Promise<Acquired> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const staleMs = options.staleMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let wait = 1;
    for (;;) {
      const info = newInfo();
      if (await createExclusive(path, info, fs)) return { lock: new FileLock(path, fs, info) };
      const holder = await readLockInfo(path, fs);
      if (holder === 'absent') continue;
      if (await isStale(path, holder, staleMs, fs)) {
        const recovered = await takeOver(path, holder, info, staleMs, fs);
        if (recovered) {
          const acquired: Acquired = { lock: new FileLock(path, fs, info) };
          if (holder !== 'unreadable') acquired.recovered = holder;
          return acquired;
        }
        continue;
      }
      if (Date.now() > deadline) {
        const who =
          holder === 'unreadable'
            ? 'another writer'
            : `process ${holder.pid} on ${holder.host} since ${holder.at}`;
        throw new StoreError(
          `cannot lock ${path}: held by ${who} for over ${Math.round(timeoutMs / 1000)} s; if no truce process is writing, remove ${path}`,
        );
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  /** Records the log's size before this holder writes to it. */
  async record(size: number): Promise<void> {
    this.#info = { ...this.#info, size };
    const handle = await this.#fs.open(this.path, 'r+');
    try {
      // The new content only adds a field, so it overwrites the old in place: no truncate, which
      // on ext4 would make the close flush the file (its replace-by-truncate heuristic).
      const bytes = Buffer.from(JSON.stringify(this.#info));
      await handle.write(bytes, 0, bytes.length, 0);
    } finally {
      await handle.close();
    }
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    const current = await readLockInfo(this.path, this.#fs);
    if (typeof current === 'object' && current.nonce !== this.#info.nonce) return;
    await this.#fs.unlink(this.path).catch((error) => {
      if (errnoOf(error) !== 'ENOENT') throw error;
    });
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

/** Creates `path` holding `info`, atomically; false if it already exists. */
async function createExclusive(path: string, info: LockInfo, fs: StoreFs): Promise<boolean> {
  const temp = `${path}.${info.nonce}.tmp`;
  try {
    await fs.writeFile(temp, JSON.stringify(info), { flag: 'wx' });
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw lockError(path, error);
  }
  try {
    await fs.link(temp, path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw lockError(path, error);
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
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
): Promise<boolean> {
  const recoverPath = `${path}.recover`;
  const guard = newInfo();
  if (!(await createExclusive(recoverPath, guard, fs))) {
    const other = await readLockInfo(recoverPath, fs);
    // A recoverer holds its guard for a few file operations; one that died left it behind.
    if (other !== 'absent' && (await isStale(recoverPath, other, Math.min(staleMs, 5_000), fs))) {
      await fs.unlink(recoverPath).catch(() => undefined);
    }
    return false;
  }
  try {
    const now = await readLockInfo(path, fs);
    const same =
      now === 'absent'
        ? false
        : now === 'unreadable' || stale === 'unreadable'
          ? now === stale
          : now.nonce === stale.nonce;
    if (!same) return false;
    const temp = `${path}.${ours.nonce}.tmp`;
    try {
      await fs.writeFile(temp, JSON.stringify(ours), { flag: 'wx' });
      await fs.rename(temp, path);
    } catch (error) {
      await fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    return true;
  } catch (error) {
    throw lockError(path, error);
  } finally {
    await fs.unlink(recoverPath).catch(() => undefined);
  }
}

function lockError(path: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = errnoOf(error);
  const reason =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'permission denied (the folder must be writable)'
      : code === 'ENOENT'
        ? 'the folder does not exist'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : error instanceof Error
            ? error.message
            : String(error);
  return new StoreError(`cannot lock ${path}: ${reason}`, { cause: error });
}
