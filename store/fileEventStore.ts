import { constants, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  buildCompleteReadLogOptions,
  DEFAULT_MAX_LINE_BYTES,
  ioReason,
  LogChecker,
  type LogEntry,
  lineTooLongAsValidation,
  type RawLine,
  readLog,
  StoreError,
  splitLines,
  type TruceEvent,
  ValidationError,
} from '../events/index.js';
import { type Checkpoint, emptyCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { committedSize } from './committedSize.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadOptions,
} from './eventStore.js';
import { FileLock, type LockOptions } from './fileLock.js';
import {
  chunksOf,
  hashRange,
  lastLineOf,
  lastWholeLine,
  sha256,
  syncDir,
  writeAll,
} from './logFile.js';
import { identityOf, realLogPath } from './logPath.js';
import { leftDirty, prepareAppend } from './prepareAppend.js';
import { moveAside } from './recovery.js';
import { loadSnapshot, saveSnapshot, snapshotPathOf } from './snapshot.js';
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

const { O_RDWR, O_RDONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * The default {@link EventStore}: one negotiation in one JSONL file of log format v1.
 *
 * - An append is acknowledged after its bytes are written in one `write` and fsync'd (and the
 *   folder fsync'd when the file is created); on a failed write the file is cut back to its
 *   previous size. A line over the reader's cap is refused before writing.
 * - One writer at a time across processes, per file: the lock lies beside the log's real path
 *   (see {@link FileLock}); a log with a second hard link is refused. The expected version is
 *   compared under the lock.
 * - On open, a torn last line (a crash mid-write) is moved to `LOG.torn-<time>` with a warning
 *   (see `recovery.ts`); whole events stay, whatever a dead writer's lock recorded.
 * - Every append is checked against the statechart; `LOG.snapshot.json` holds the replay state
 *   and ids at an offset so only the tail is replayed (see `snapshot.ts`, `checkpoint.ts`).
 * - Readers take no lock and stop at the last whole line a finished append wrote.
 * - Only regular files: a FIFO, a device or a folder at the log's path is refused, never opened
 *   in a way that blocks.
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
  /** The lock paths this store has swept for orphan temp files already. */
  readonly #swept = new Set<string>();
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

  /** The lock file beside the log, as named (the store locks beside the log's real path). */
  get lockPath(): string {
    return `${this.path}.lock`;
  }

  /** The snapshot sidecar beside the log, as named. */
  get snapshotPath(): string {
    return snapshotPathOf(this.path);
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
        async ({ handle, stat, real }) => (await this.#sync(handle, stat, real)).state.head,
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
    const handle = await this.#openForReading();
    if (handle === undefined) return;
    try {
      const chunks = chunksOf(handle, 0, limit, (error) => this.#ioError('read', error));
      for await (const entry of readLog(chunks, { file: this.#name })) {
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
    const handle = await this.#openForReading();
    if (handle === undefined) return 0;
    try {
      const last = await lastWholeLine(handle, limit);
      if (last === undefined) return 0;
      const seq = (JSON.parse(last.text.replace(/^\uFEFF/, '')) as { seq?: unknown }).seq;
      return typeof seq === 'number' ? seq : 0;
    } catch (error) {
      throw this.#ioError('read', error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** The log open for reading, or undefined when there is none; never blocks on a FIFO. */
  async #openForReading(): Promise<FileHandle | undefined> {
    let handle: FileHandle;
    try {
      handle = await this.#fs.open(this.path, O_RDONLY | O_NONBLOCK);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw this.#ioError('read', error);
    }
    try {
      await this.#checkRegular(handle);
      return handle;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Refuses anything but a regular file (a FIFO, a device, a folder) in one sentence. */
  async #checkRegular(handle: FileHandle): Promise<Stats> {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new StoreError(
        `cannot use ${this.#name} as a log: it is ${kindOf(stat)}, not a regular file`,
      );
    }
    return stat;
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
    return this.#locked(async ({ handle, stat, lock, created, real }) => {
      const checkpoint = await this.#sync(handle, stat, real);
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
        await this.#write(handle, checkpoint.bytes, prepared.text, created ? real : undefined);
        const bytes = checkpoint.bytes + Buffer.byteLength(prepared.text);
        const lastLine = lastLineOf(prepared.text);
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
      await this.#maybeSnapshot(real);
      return { seqs: prepared.seqs, written, head: state.head };
    });
  }

  /** Runs `body` holding the write lock with the log open for appending. */
  async #locked<T>(body: (held: Held) => Promise<T>): Promise<T> {
    let real: string;
    try {
      real = await realLogPath(this.path, this.#fs);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw lockFolderError(this.lockPath, error);
    }
    const lockPath = `${real}.lock`;
    const existing = await this.#fs.stat(real).then(identityOf, () => undefined);
    const { lock } = await FileLock.acquire(
      lockPath,
      {
        ...this.#lock,
        ...(existing === undefined ? {} : { log: existing }),
        sweep: this.#lock.sweep ?? !this.#swept.has(lockPath),
        onWait: (who) =>
          this.#warn(`waiting for ${this.#name}: another append holds ${lockPath} (${who})`),
      },
      this.#fs,
    );
    this.#swept.add(lockPath);
    let closed: Promise<void> = Promise.resolve();
    try {
      let opened: { handle: FileHandle; created: boolean };
      try {
        opened = await this.#open(real);
      } catch (error) {
        throw this.#ioError('open', error);
      }
      const { handle, created } = opened;
      try {
        const stat = await this.#checkRegular(handle);
        if (stat.nlink > 1) {
          throw new StoreError(
            `cannot append to ${this.#name}: the file has ${stat.nlink} names (hard links), and a writer through another name would not see this one's lock; keep one name (copy the file) and try again`,
          );
        }
        // Recorded at once (the body waits for it before writing): readers stop here meanwhile.
        lock.record(stat.size, identityOf(stat)).catch(() => undefined);
        return await body({ handle, stat, lock, created, real });
      } finally {
        closed = handle.close().catch(() => undefined);
        if (created) {
          await closed;
          // A log created by a failed first append is removed again: the folder is as it was.
          const size = await this.#fs.lstat(real).then(
            (s) => (s.isFile() ? s.size : -1),
            () => -1,
          );
          if (size === 0) await this.#fs.unlink(real).catch(() => undefined);
        }
      }
    } finally {
      await Promise.all([lock.release().catch(() => undefined), closed]);
    }
  }

  /**
   * Opens the log (its real path, not following a link that appeared since) for reading and
   * appending, creating it if there is none. Never blocks on a FIFO.
   */
  async #open(real: string): Promise<{ handle: FileHandle; created: boolean }> {
    for (;;) {
      try {
        const flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK;
        return { handle: await this.#fs.open(real, flags), created: false };
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
      }
      try {
        const flags = O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW;
        return { handle: await this.#fs.open(real, flags, 0o666), created: true };
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
    }
  }

  /** One write of the whole batch, then fsync; on failure the file is cut back to `before`. */
  async #write(
    handle: FileHandle,
    before: number,
    text: string,
    created: string | undefined,
  ): Promise<void> {
    try {
      await writeAll(handle, Buffer.from(text), null);
      await handle.sync();
      if (created !== undefined) await syncDir(this.#fs, dirname(created));
    } catch (error) {
      try {
        await handle.truncate(before);
      } catch (rollback) {
        // Whole events of the batch may stand in the log: they are kept, as a crash would leave
        // them (appending the batch again with the same ids writes only the rest); an
        // incomplete last line is moved aside by the next append.
        throw new StoreError(
          `cannot write ${this.#name}: ${ioReason(error)}; cutting the partial write back also failed (${ioReason(rollback)}): check the log with truce validate, and append the batch again with the same ids (those already written are not written twice)`,
          { cause: error },
        );
      }
      throw new StoreError(
        `cannot write ${this.#name}: ${ioReason(error)}; nothing was appended and the log is unchanged`,
        { cause: error },
      );
    }
  }

  /**
   * Brings the state up to the file's end under the lock: replays only what lies past a verified
   * checkpoint, moving a torn last line aside. A dead writer's recorded size is not trusted:
   * whole events past it stay (its retry with the same ids is a no-op).
   */
  async #sync(
    handle: FileHandle,
    opened: { size: number; ino: number | bigint },
    real: string,
  ): Promise<Checkpoint> {
    const size = opened.size;
    const ino = Number(opened.ino);
    const base =
      (await verifyCheckpoint(handle, this.#cached, size, ino)) ??
      (await verifyCheckpoint(
        handle,
        await loadSnapshot(snapshotPathOf(real), this.#name, this.#fs),
        size,
        ino,
      )) ??
      emptyCheckpoint(ino, this.#name);
    if (base.bytes === size) return base;
    return this.#replayTail(handle, base, size, real);
  }

  /** Reads, checks and replays the lines past `base`, repairing a torn last line. */
  async #replayTail(
    handle: FileHandle,
    base: Checkpoint,
    size: number,
    real: string,
  ): Promise<Checkpoint> {
    const { state } = base;
    let bytes = base.bytes;
    let lastLineStart = base.lastLineStart;
    let unterminated = false;
    let moved = false;
    const checker = new LogChecker(buildCompleteReadLogOptions({ file: this.#name }), {
      line: state.head,
      seq: state.head,
      // The store records an id only once its event is replayed (below).
      ids: { firstLine: (id: string) => state.ids.get(id), add: () => {} },
    });
    const chunks = chunksOf(handle, base.bytes, size, (error) => this.#ioError('read', error));
    const lines = splitLines(chunks, { maxLineBytes: DEFAULT_MAX_LINE_BYTES });
    for await (const raw of namedLines(lines, this.#name)) {
      const start = bytes;
      let entry: LogEntry | null;
      try {
        entry = checker.check(raw);
      } catch (error) {
        if (!(error instanceof ValidationError && error.torn)) throw error;
        const side = await this.#moveAside(handle, start, size, real);
        this.#warn(
          `${this.#name}: line ${state.head + 1} was torn (an interrupted write); moved its ${size - start} bytes to ${side} and repaired the log to its last whole event (seq ${state.head})`,
        );
        moved = true;
        break;
      }
      // A blank line: allowed only at the very end, where it is dropped below.
      if (entry === null) continue;
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
    if (!moved && bytes < size) {
      // Only blank lines follow the last event (an editor's extra newline): the next event
      // must follow it directly, so they go (whitespace, never an event).
      try {
        await handle.truncate(bytes);
        await handle.sync();
      } catch (error) {
        throw this.#ioError('write', error);
      }
    }
    if (unterminated) {
      // A whole last event without its `\n` (an edited file): complete the line before appending.
      await this.#write(handle, bytes, '\n', undefined);
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

  #moveAside(handle: FileHandle, from: number, to: number, real: string): Promise<string> {
    return moveAside(handle, from, to, { path: real, name: this.#name, fs: this.#fs });
  }

  /** Rewrites the sidecar when enough events lie past it; a failure only costs speed. */
  async #maybeSnapshot(real: string): Promise<void> {
    const checkpoint = this.#cached;
    if (checkpoint === undefined || checkpoint.bytes === 0) return;
    if (checkpoint.state.head - checkpoint.snapshotSeq < this.#snapshotEvery) return;
    if (await saveSnapshot(snapshotPathOf(real), checkpoint, this.#fs)) {
      checkpoint.snapshotSeq = checkpoint.state.head;
    }
  }

  #ioError(verb: 'read' | 'open' | 'write', error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(`cannot ${verb} ${this.#name}: ${ioReason(error)}`, { cause: error });
  }
}

/** What the write-locked section of an append or repair is handed. */
interface Held {
  /** The log, open for reading and appending. */
  handle: FileHandle;
  /** The log as opened. */
  stat: Stats;
  lock: FileLock;
  /** Whether this opening created the log. */
  created: boolean;
  /** The log's real path: its lock, sidecar and torn files lie beside it. */
  real: string;
}

/** The lines, with a line over the cap reported as a `ValidationError` naming the log. */
async function* namedLines(lines: AsyncIterable<RawLine>, name: string): AsyncGenerator<RawLine> {
  try {
    yield* lines;
  } catch (error) {
    throw lineTooLongAsValidation(error, name);
  }
}

/** How a non-regular file is named in a refusal. */
function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The log's folder could not be resolved: worded as the lock that could not be made. */
function lockFolderError(lockPath: string, error: unknown): StoreError {
  const code = errnoOf(error);
  const hint = code === 'ENOENT' ? ' (the folder does not exist)' : '';
  return new StoreError(`cannot lock ${lockPath}: ${ioReason(error)}${hint}`, { cause: error });
}
