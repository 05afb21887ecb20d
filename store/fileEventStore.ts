import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  buildCompleteReadLogOptions,
  DEFAULT_MAX_LINE_BYTES,
  LogChecker,
  type LogEntry,
  readLog,
  StoreError,
  splitLines,
  type TruceEvent,
  ValidationError,
} from '../events/index.js';
import { Replayer, type ReplaySnapshot } from '../replay/index.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadOptions,
} from './eventStore.js';
import { FileLock, type LockInfo, type LockOptions, readLockInfo } from './fileLock.js';
import { type LogState, leftDirty, prepareAppend } from './prepareAppend.js';
import { errnoOf, nodeFs, type StoreFs } from './storeFs.js';

/** Options of {@link FileEventStore}. */
export interface FileEventStoreOptions {
  /** The file system to use; tests inject failures through it. */
  fs?: StoreFs;
  /** How long to wait for another writer, and when a lock from another host is stale. */
  lock?: LockOptions;
  /** Where repair warnings go; stderr by default. */
  warn?: (message: string) => void;
  /**
   * Rewrite the snapshot sidecar once this many events lie past it (256 by default), so an
   * append replays at most this many events however long the log is.
   */
  snapshotEvery?: number;
  /** The log's name in messages; the path by default. */
  name?: string;
  /** What the batch is called in error messages (`the batch` by default). */
  batchName?: string;
}

/** The snapshot sidecar (`LOG.snapshot.json`): the replay state at a byte offset of the log. */
export interface StoreSnapshot {
  format: 'truce-store-snapshot';
  version: 1;
  /** Bytes of the log it covers, ending with a whole line. */
  bytes: number;
  seq: number;
  /** The log file's inode when written: a log replaced by an editor is not trusted. */
  ino: number;
  /** Where the last covered line starts, and the SHA-256 of that line (with its `\n`). */
  lastLineStart: number;
  lastLineHash: string;
  /** Every id in the covered part, in seq order. */
  ids: string[];
  replay: ReplaySnapshot;
}

/** The state of the log at a byte offset, verified against the file before each use. */
interface Checkpoint {
  state: LogState;
  bytes: number;
  ino: number;
  lastLineStart: number;
  lastLineHash: string;
  /** The seq the sidecar on disk covers. */
  snapshotSeq: number;
}

const CHUNK = 64 * 1024;
const { O_RDWR, O_APPEND } = constants;

/**
 * The default {@link EventStore}: one negotiation in one JSONL file of log format v1.
 *
 * - An append is acknowledged after its bytes are written in one `write` and fsync'd (and the
 *   folder fsync'd when the file is created); on a failed write the file is cut back to its
 *   previous size.
 * - One writer at a time across processes (`LOG.lock`, see {@link FileLock}); the expected
 *   version is compared under the lock.
 * - On open, a torn last line (a crash mid-write) or the unacknowledged bytes of a writer that
 *   died holding the lock are moved to `LOG.torn-<time>` with a warning, and the log is cut back
 *   to its last whole event.
 * - Every append is checked against the statechart; `LOG.snapshot.json` holds the replay state
 *   and ids at an offset so only the tail is replayed. It is verified (size, inode, hash of its
 *   last line) before use and rebuilt when stale.
 * - Readers take no lock and stop at the last whole line a finished append wrote.
 *
 * @example
 * const store = new FileEventStore('deal.jsonl');
 * const { seqs } = await store.append([event], { expectedVersion: 57 });
 */
export class FileEventStore implements EventStore {
  readonly path: string;
  readonly #fs: StoreFs;
  readonly #lock: LockOptions;
  readonly #warn: (message: string) => void;
  readonly #snapshotEvery: number;
  readonly #name: string;
  readonly #batchName: string;
  #cached: Checkpoint | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FileEventStoreOptions = {}) {
    this.path = path;
    this.#fs = options.fs ?? nodeFs;
    this.#lock = options.lock ?? {};
    this.#warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    this.#snapshotEvery = options.snapshotEvery ?? 256;
    this.#name = options.name ?? path;
    this.#batchName = options.batchName ?? 'the batch';
  }

  /** The lock file beside the log. */
  get lockPath(): string {
    return `${this.path}.lock`;
  }

  /** The snapshot sidecar beside the log. */
  get snapshotPath(): string {
    return `${this.path}.snapshot.json`;
  }

  /** Appends a batch, all or none; see {@link EventStore.append}. */
  append(events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const run = this.#queue.then(() => this.#append(events, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Repairs the log if a crash left it torn (under the write lock) and returns its head. Appends
   * do this themselves; call it to repair without appending.
   */
  repair(): Promise<number> {
    const run = this.#queue.then(() =>
      this.#locked(
        async ({ handle, stat, recovered }) =>
          (await this.#sync(handle, stat, recovered)).state.head,
      ),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Yields the events of finished appends, from `from` on, without waiting for a writer. */
  async *read(options: ReadOptions = {}): AsyncGenerator<TruceEvent> {
    const from = options.from ?? 1;
    const limit = await this.#committedSize();
    if (limit === 0) return;
    let handle: FileHandle;
    try {
      handle = await this.#fs.open(this.path, 'r');
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw this.#ioError('read', error);
    }
    try {
      for await (const entry of readLog(chunksOf(handle, 0, limit, this.#name, this), {
        file: this.#name,
      })) {
        if (entry.event.seq >= from) yield entry.event;
      }
    } catch (error) {
      // A torn last line is a write in progress or a crash not yet repaired: not an event yet.
      if (!(error instanceof ValidationError && error.torn)) throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** The seq of the last whole event of finished appends, 0 when the log is empty or absent. */
  async head(): Promise<number> {
    const limit = await this.#committedSize();
    if (limit === 0) return 0;
    let handle: FileHandle;
    try {
      handle = await this.#fs.open(this.path, 'r');
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return 0;
      throw this.#ioError('read', error);
    }
    try {
      const last = await lastWholeLine(handle, limit);
      if (last === undefined) return 0;
      const seq = (JSON.parse(last.text.replace(/^\uFEFF/, '')) as { seq?: unknown }).seq;
      return typeof seq === 'number' ? seq : 0;
    } catch (error) {
      throw error instanceof StoreError ? error : this.#ioError('read', error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** How far a reader may read: the file's size, or where a writer holding the lock began. */
  async #committedSize(): Promise<number> {
    try {
      return await committedSize(this.path, this.#fs);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return 0;
      throw this.#ioError('read', error);
    }
  }

  async #append(events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.#locked(async ({ handle, stat, lock, recovered, created }) => {
      const checkpoint = await this.#sync(handle, stat, recovered);
      const { state } = checkpoint;
      let prepared: ReturnType<typeof prepareAppend>;
      try {
        prepared = prepareAppend(state, events, {
          ...options,
          file: this.#name,
          batchName: this.#batchName,
        });
      } catch (error) {
        if (leftDirty(error)) this.#cached = undefined;
        throw error;
      }
      const written = prepared.events.length;
      if (written > 0) {
        // From here the replayer stands after the batch: any failure must drop it.
        this.#cached = undefined;
        await lock.record(checkpoint.bytes);
        await this.#write(handle, checkpoint.bytes, prepared.text, created);
        const bytes = checkpoint.bytes + Buffer.byteLength(prepared.text);
        const lastLine = lastOf(prepared.text);
        for (const event of prepared.events) state.ids.set(event.id, event.seq);
        state.head = prepared.head;
        this.#cached = {
          ...checkpoint,
          bytes,
          lastLineStart: bytes - Buffer.byteLength(lastLine),
          lastLineHash: sha256(Buffer.from(lastLine)),
        };
      } else {
        this.#cached = checkpoint;
      }
      await this.#maybeSnapshot();
      return { seqs: prepared.seqs, written, head: state.head };
    });
  }

  /** Runs `body` holding the write lock with the log open for appending. */
  async #locked<T>(body: (held: Held) => Promise<T>): Promise<T> {
    const { lock, recovered } = await FileLock.acquire(
      this.lockPath,
      {
        ...this.#lock,
        onWait: (who) =>
          this.#warn(`waiting for ${this.#name}: another append holds ${this.lockPath} (${who})`),
      },
      this.#fs,
    );
    let keepLock = false;
    let closed: Promise<void> = Promise.resolve();
    try {
      let opened: { handle: FileHandle; created: boolean };
      try {
        opened = await this.#open();
      } catch (error) {
        throw this.#ioError('open', error);
      }
      const { handle, created } = opened;
      try {
        const stat = await handle.stat();
        // Recorded at once (the body waits for it before writing), at the cut a dead writer's
        // lock asked for, so a crash during the repair leaves the same cut to make.
        const before =
          recovered?.size !== undefined ? Math.min(stat.size, recovered.size) : stat.size;
        lock.record(before).catch(() => undefined);
        return await body({ handle, stat, lock, recovered, created });
      } catch (error) {
        if (error instanceof RollbackFailed) keepLock = true;
        throw error;
      } finally {
        closed = handle.close().catch(() => undefined);
        if (created && !keepLock) {
          await closed;
          // A log created by a failed first append is removed again: the folder is as it was.
          const size = await this.#fs.stat(this.path).then(
            (s) => s.size,
            () => -1,
          );
          if (size === 0) await this.#fs.unlink(this.path).catch(() => undefined);
        }
      }
    } finally {
      // After a failed rollback the lock stays, with the size to cut back to: the next writer
      // (once this process is gone) repairs the log from it.
      await Promise.all([
        keepLock ? lock.abandon() : lock.release().catch(() => undefined),
        closed,
      ]);
    }
  }

  /** Opens the log for reading and appending, creating it if there is none. */
  async #open(): Promise<{ handle: FileHandle; created: boolean }> {
    for (;;) {
      try {
        return { handle: await this.#fs.open(this.path, O_RDWR | O_APPEND), created: false };
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
      }
      try {
        return { handle: await this.#fs.open(this.path, 'ax+'), created: true };
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
    }
  }

  /** One write of the whole batch, then fsync; on failure the file is cut back to `before`. */
  async #write(handle: FileHandle, before: number, text: string, created: boolean): Promise<void> {
    const bytes = Buffer.from(text);
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, null);
        if (bytesWritten === 0) throw Object.assign(new Error('wrote 0 bytes'), { code: 'EIO' });
        done += bytesWritten;
      }
      await handle.sync();
      if (created) await syncDir(this.#fs, dirname(this.path));
    } catch (error) {
      try {
        await handle.truncate(before);
      } catch (rollback) {
        throw new RollbackFailed(
          `cannot write ${this.#name}: ${reasonOf(error)}; cutting the partial write back also failed (${reasonOf(rollback)}): the next append repairs the log`,
          { cause: error },
        );
      }
      throw new StoreError(
        `cannot write ${this.#name}: ${reasonOf(error)}; nothing was appended and the log is unchanged`,
        { cause: error },
      );
    }
  }

  /**
   * Brings the state up to the file's end under the lock: repairs a dead writer's leftovers and
   * a torn last line, then replays only what lies past a verified checkpoint.
   */
  async #sync(
    handle: FileHandle,
    opened: { size: number; ino: number | bigint },
    recovered: LockInfo | undefined,
  ): Promise<Checkpoint> {
    let stat = opened;
    if (recovered?.size !== undefined && stat.size > recovered.size) {
      const moved = await this.#moveAside(handle, recovered.size, stat.size);
      this.#warn(
        `${this.#name}: a writer (process ${recovered.pid}) stopped during an append; moved its ${stat.size - recovered.size} unacknowledged bytes to ${moved}`,
      );
      this.#cached = undefined;
      stat = await handle.stat();
    }
    const size = stat.size;
    const ino = Number(stat.ino);
    const base =
      (await this.#verified(handle, this.#cached, size, ino)) ??
      (await this.#verified(handle, await this.#loadSnapshot(), size, ino)) ??
      fresh(ino, this.#name);
    if (base.bytes === size) return base;
    return this.#replayTail(handle, base, size);
  }

  /** The checkpoint if the file still holds its last line at the same place, else undefined. */
  async #verified(
    handle: FileHandle,
    checkpoint: Checkpoint | undefined,
    size: number,
    ino: number,
  ): Promise<Checkpoint | undefined> {
    if (checkpoint === undefined || checkpoint.ino !== ino || checkpoint.bytes > size) return;
    if (checkpoint.bytes === 0) return checkpoint;
    const length = checkpoint.bytes - checkpoint.lastLineStart;
    if (length <= 0 || length > DEFAULT_MAX_LINE_BYTES) return;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, checkpoint.lastLineStart);
    if (bytesRead !== length || sha256(buffer) !== checkpoint.lastLineHash) return;
    return checkpoint;
  }

  async #loadSnapshot(): Promise<Checkpoint | undefined> {
    let snapshot: StoreSnapshot;
    try {
      snapshot = JSON.parse(await this.#fs.readFile(this.snapshotPath, 'utf8')) as StoreSnapshot;
    } catch {
      return;
    }
    if (
      snapshot?.format !== 'truce-store-snapshot' ||
      snapshot.version !== 1 ||
      !Array.isArray(snapshot.ids) ||
      snapshot.ids.length !== snapshot.seq ||
      snapshot.replay?.seq !== snapshot.seq
    ) {
      return;
    }
    try {
      const ids = new Map<string, number>();
      snapshot.ids.forEach((id, i) => {
        ids.set(id, i + 1);
      });
      const replayer = new Replayer({ from: snapshot.replay, file: this.#name });
      return {
        state: { head: snapshot.seq, ids, replayer },
        bytes: snapshot.bytes,
        ino: snapshot.ino,
        lastLineStart: snapshot.lastLineStart,
        lastLineHash: snapshot.lastLineHash,
        snapshotSeq: snapshot.seq,
      };
    } catch {
      return;
    }
  }

  /** Reads, checks and replays the lines past `base`, repairing a torn last line. */
  async #replayTail(handle: FileHandle, base: Checkpoint, size: number): Promise<Checkpoint> {
    const { state } = base;
    let bytes = base.bytes;
    let lastLineStart = base.lastLineStart;
    let unterminated = false;
    const checker = new LogChecker(buildCompleteReadLogOptions({ file: this.#name }), {
      line: state.head,
      seq: state.head,
      // The store records an id only once its event is replayed (below).
      ids: { firstLine: (id: string) => state.ids.get(id), add: () => {} },
    });
    for await (const raw of splitLines(chunksOf(handle, base.bytes, size, this.#name, this), {
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
    })) {
      const start = bytes;
      let entry: LogEntry;
      try {
        entry = checker.check(raw);
      } catch (error) {
        if (!(error instanceof ValidationError && error.torn)) throw error;
        const moved = await this.#moveAside(handle, start, size);
        this.#warn(
          `${this.#name}: line ${state.head + 1} was torn (an interrupted write); moved its ${size - start} bytes to ${moved} and repaired the log to its last whole event (seq ${state.head})`,
        );
        break;
      }
      const { event, line } = entry;
      try {
        state.replayer.apply(event, line);
      } catch (error) {
        this.#cached = undefined;
        throw error;
      }
      state.ids.set(event.id, event.seq);
      state.head = event.seq;
      lastLineStart = start;
      bytes = base.bytes + raw.end;
      if (!raw.terminated) unterminated = true;
    }
    if (unterminated) {
      // A whole last event without its `\n` (an edited file): complete the line before appending.
      await this.#write(handle, bytes, '\n', false);
      bytes += 1;
    }
    const checkpoint: Checkpoint = {
      state,
      bytes,
      ino: base.ino,
      lastLineStart,
      lastLineHash: await hashRange(handle, lastLineStart, bytes),
      snapshotSeq: base.snapshotSeq,
    };
    this.#cached = checkpoint;
    return checkpoint;
  }

  /** Copies bytes `[from, to)` to a new `LOG.torn-<time>` file, then cuts the log at `from`. */
  async #moveAside(handle: FileHandle, from: number, to: number): Promise<string> {
    const buffer = Buffer.alloc(to - from);
    await handle.read(buffer, 0, buffer.length, from);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const side = `${this.path}.torn-${stamp}-${randomBytes(2).toString('hex')}`;
    try {
      const out = await this.#fs.open(side, 'wx');
      try {
        await out.write(buffer, 0, buffer.length, 0);
        await out.sync();
      } finally {
        await out.close();
      }
      await handle.truncate(from);
      await handle.sync();
      await syncDir(this.#fs, dirname(this.path));
    } catch (error) {
      throw new StoreError(
        `cannot repair ${this.#name} (its last ${to - from} bytes are an interrupted write): ${reasonOf(error)}`,
        { cause: error },
      );
    }
    return side;
  }

  /** Rewrites the sidecar when enough events lie past it; a failure only costs speed. */
  async #maybeSnapshot(): Promise<void> {
    const checkpoint = this.#cached;
    if (checkpoint === undefined || checkpoint.bytes === 0) return;
    if (checkpoint.state.head - checkpoint.snapshotSeq < this.#snapshotEvery) return;
    const snapshot: StoreSnapshot = {
      format: 'truce-store-snapshot',
      version: 1,
      bytes: checkpoint.bytes,
      seq: checkpoint.state.head,
      ino: checkpoint.ino,
      lastLineStart: checkpoint.lastLineStart,
      lastLineHash: checkpoint.lastLineHash,
      ids: [...checkpoint.state.ids.keys()],
      replay: checkpoint.state.replayer.snapshot(),
    };
    const temp = `${this.snapshotPath}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await this.#fs.writeFile(temp, JSON.stringify(snapshot));
      await this.#fs.rename(temp, this.snapshotPath);
      checkpoint.snapshotSeq = snapshot.seq;
    } catch {
      await this.#fs.unlink(temp).catch(() => undefined);
    }
  }

  #ioError(verb: 'read' | 'open' | 'write', error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(`cannot ${verb} ${this.#name}: ${reasonOf(error)}`, { cause: error });
  }

  /** Used by the chunk reader to word its errors. */
  readError(error: unknown): StoreError {
    return this.#ioError('read', error);
  }
}

/** What the write-locked section of an append or repair is handed. */
interface Held {
  /** The log, open for reading and appending. */
  handle: FileHandle;
  /** The log as opened. */
  stat: Stats;
  lock: FileLock;
  /** The lock of a writer that died holding it. */
  recovered: LockInfo | undefined;
  /** Whether this opening created the log. */
  created: boolean;
}

/** A rollback after a failed write failed too: the lock is kept for the next writer's repair. */
class RollbackFailed extends StoreError {}

function fresh(ino: number, file: string): Checkpoint {
  return {
    state: { head: 0, ids: new Map(), replayer: new Replayer({ file }) },
    bytes: 0,
    ino,
    lastLineStart: 0,
    lastLineHash: '',
    snapshotSeq: 0,
  };
}

function lastOf(text: string): string {
  const end = text.lastIndexOf('\n', text.length - 2);
  return text.slice(end + 1);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function hashRange(handle: FileHandle, from: number, to: number): Promise<string> {
  if (to <= from) return '';
  const buffer = Buffer.alloc(to - from);
  await handle.read(buffer, 0, buffer.length, from);
  return sha256(buffer);
}

async function* chunksOf(
  handle: FileHandle,
  from: number,
  to: number,
  _name: string,
  store: FileEventStore,
): AsyncGenerator<Uint8Array> {
  let position = from;
  while (position < to) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, to - position));
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, buffer.length, position));
    } catch (error) {
      throw store.readError(error);
    }
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** The last line ending in `\n` before `limit`, read backwards in chunks. */
async function lastWholeLine(
  handle: FileHandle,
  limit: number,
): Promise<{ text: string } | undefined> {
  let end = -1;
  const parts: Buffer[] = [];
  let position = limit;
  while (position > 0) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, position);
    let scan = buffer.length - 1;
    if (end === -1) {
      const nl = buffer.lastIndexOf(10, scan);
      if (nl === -1) continue;
      end = position + nl;
      scan = nl - 1;
      parts.unshift(buffer.subarray(0, nl));
    } else {
      parts.unshift(buffer);
    }
    const start = scan >= 0 ? buffer.lastIndexOf(10, scan) : -1;
    if (start !== -1) {
      parts[0] = (parts[0] as Buffer).subarray(start + 1);
      return { text: Buffer.concat(parts).toString('utf8') };
    }
  }
  return end === -1 ? undefined : { text: Buffer.concat(parts).toString('utf8') };
}

async function syncDir(fs: StoreFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A plain reason for a file-system error. */
export function reasonOf(error: unknown): string {
  switch (errnoOf(error)) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'no such file or folder';
    case 'EISDIR':
      return 'it is a directory, not a log file';
    case 'EIO':
      return 'an I/O error';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * How far a reader of the log at `path` may read without seeing a write in progress: the file's
 * size, or where the writer holding `path.lock` began. The size is taken before the lock is
 * read, so only a write that starts and ends between the two can slip past. Throws the file
 * system's error (e.g. ENOENT) for a log that cannot be stat'ed.
 *
 * @example
 * await replayLog(log, { end: await committedSize(log) });
 */
export async function committedSize(path: string, fs: StoreFs = nodeFs): Promise<number> {
  const size = (await fs.stat(path)).size;
  const lock = await readLockInfo(`${path}.lock`, fs).catch(() => 'absent' as const);
  return typeof lock === 'object' && lock.size !== undefined ? Math.min(size, lock.size) : size;
}

/**
 * {@link committedSize} as a `readLog` option: `{ end }` when it can be read, else nothing, so
 * the reader itself reports a missing or unreadable log in its own words.
 *
 * @example
 * for await (const entry of readLog(log, await committedEnd(log))) …
 */
export async function committedEnd(path: string, fs: StoreFs = nodeFs): Promise<{ end?: number }> {
  try {
    return { end: await committedSize(path, fs) };
  } catch {
    return {};
  }
}
