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
import { resumeReplayer } from '../replay/index.js';
import { latestCachedState } from './cachedState.js';
import { CACHE_MIN_BYTES } from './cacheMinBytes.js';
import {
  type Checkpoint,
  emptyCheckpoint,
  type FileLogState,
  lastLineHoldsSync,
  verifyCheckpoint,
} from './checkpoint.js';
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
  chunksOfFd,
  lastLineOf,
  lastWholeLine,
  readRangeSync,
  sha256,
  syncDir,
  writeAllSync,
} from './logFile.js';
import { identityOf, realLogPathSync } from './logPath.js';
import { leftDirty, prepareAppend } from './prepareAppend.js';
import { moveAside } from './recovery.js';
import { loadSnapshot, saveSnapshot, snapshotPathOf } from './snapshot.js';
import { checkSettling, findIdSeqs, idsOfLines } from './storedIds.js';
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
  /**
   * How many ids are kept exactly, with their seqs, before the compact form (IdIndex's 100,000
   * by default; tests use fewer to reach it with short logs).
   */
  exactIds?: number;
  /**
   * Told how far a replay of the log past its sidecar is: the seq just replayed and the byte
   * offset past its line (a whole log when there is no sidecar yet: seconds for a million
   * events), for a progress line. Going on from the checkpoint cache, the lines before its
   * checkpoint are told as their ids are read, a chunk at a time.
   */
  onProgress?: (seq: number, bytes: number) => void;
  /**
   * From how many bytes a log with no sidecar resumes from its checkpoint cache, when a replay
   * left one ({@link CACHE_MIN_BYTES}, the size from which replays make one; tests use less).
   * `Infinity` never reads the cache.
   */
  cacheMinBytes?: number;
  /**
   * Told, in a line, where the checkpoint cache was gone on from, or why it was not used
   * (`--debug` prints it).
   */
  note?: (message: string) => void;
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
  readonly #exactIds: number | undefined;
  readonly #onProgress: ((seq: number, bytes: number) => void) | undefined;
  readonly #cacheMinBytes: number;
  readonly #note: (message: string) => void;
  #cached: Checkpoint | undefined;
  /** The lock paths this store has swept for orphan temp files already. */
  readonly #swept = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  /** Appends and repairs queued or running. */
  #pending = 0;
  /** The lock and the log kept from the last append for the next one (see {@link #locked}). */
  #lease: Lease | undefined;
  /** Whether a look at the idle store is scheduled, to let the lease go. */
  #idleCheck = false;
  /** Ends the lease; what the process's exit calls if it is still held. */
  readonly #endAtExit = () => this.#endLease();

  constructor(path: string, options: FileEventStoreOptions = {}) {
    this.path = path;
    this.#fs = options.fs ?? nodeFs;
    this.#lock = options.lock ?? {};
    this.#warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    this.#snapshotEvery = options.snapshotEvery ?? 256;
    this.#name = options.name ?? path;
    this.#batchName = options.batchName ?? 'the batch';
    this.#exactIds = options.exactIds;
    this.#onProgress = options.onProgress;
    this.#cacheMinBytes = options.cacheMinBytes ?? CACHE_MIN_BYTES;
    this.#note = options.note ?? (() => {});
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
    return this.#enqueue(() => this.#append(events, options));
  }

  /**
   * Repairs the log if a crash left it torn (under the write lock) and returns its head. Appends
   * do this themselves; call it to repair without appending.
   */
  repair(): Promise<number> {
    return this.#enqueue(() =>
      this.#locked(async ({ fd, stat, real }) => (await this.#sync(fd, stat, real)).state.head),
    );
  }

  /** Runs appends and repairs one at a time, in order; the lease goes once none is left. */
  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    this.#pending++;
    const run = this.#queue.then(work);
    const done = () => {
      this.#pending--;
      this.#whenIdle();
    };
    this.#queue = run.then(done, done);
    return run;
  }

  /**
   * Lets the lease go once the store is idle: after the callbacks of the append just done have
   * run (a `setImmediate`), so a loop of appends keeps it from one append to the next, and a
   * caller that turns to anything else (a timer, I/O) lets other writers in.
   */
  #whenIdle(): void {
    if (this.#pending > 0 || this.#lease === undefined || this.#idleCheck) return;
    this.#idleCheck = true;
    setImmediate(() => {
      this.#idleCheck = false;
      if (this.#pending === 0) this.#endLease();
    });
  }

  /** Closes the kept log and removes the kept lock (if it is still ours). */
  #endLease(): void {
    const lease = this.#lease;
    if (lease === undefined) return;
    this.#lease = undefined;
    atExit.delete(this.#endAtExit);
    try {
      this.#fs.closeSync(lease.fd);
    } catch {
      // Already closed: nothing is left open.
    }
    try {
      lease.lock.releaseNow();
    } catch {
      // A lock that cannot be removed is a dead writer's to the next one, which takes it over.
    }
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
    return this.#locked(async ({ fd, stat, lock, created, real }) => {
      const checkpoint = await this.#sync(fd, stat, real);
      const { state } = checkpoint;
      let prepared: ReturnType<typeof prepareAppend>;
      try {
        // Ids the compact index cannot place are looked for in the log first: prepareAppend
        // then gets the seq of each, or knows it is new.
        await this.#placeIds(fd, checkpoint.bytes, state, idsOf(events));
        prepared = prepareAppend(state, events, {
          ...options,
          file: this.#name,
          batchName: this.#batchName,
        });
      } catch (error) {
        if (leftDirty(error)) this.#cached = undefined;
        throw error;
      } finally {
        state.ids.forgetSettled();
      }
      const written = prepared.events.length;
      if (written > 0) {
        // From here the replayer stands after the batch: any failure must drop it.
        this.#cached = undefined;
        lock.recordNow(checkpoint.bytes);
        await this.#write(fd, checkpoint.bytes, prepared.text, created ? real : undefined);
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

  /**
   * Runs `body` holding the write lock with the log open for appending. Every call but the
   * body's fsync is made at once (see {@link StoreFs}).
   *
   * The lock and the log are kept after a successful append (the lease), the lock's record
   * saying the log's new end so readers see the acknowledged events, until the store is idle
   * (see {@link #whenIdle}) or another writer knocks: a loop of appends then costs a write and
   * an fsync each, not a lock file made and removed. Before each use the lease is checked: no
   * knock, the lock file still this holder's (same file, same record), the log's name still
   * leading to the open file, one name only. Anything else ends it, and the append starts
   * again from the lock.
   */
  async #locked<T>(body: (held: Held) => Promise<T>): Promise<T> {
    const held =
      (this.#lease !== undefined ? await this.#keep() : undefined) ?? (await this.#acquire());
    let ok = false;
    try {
      const result = await body(held);
      ok = true;
      return result;
    } finally {
      this.#settle(held, ok);
    }
  }

  /** The lease, checked for the next append; undefined (the lease ended) when it cannot serve. */
  async #keep(): Promise<Held | undefined> {
    const lease = this.#lease as Lease;
    const fs = this.#fs;
    let knocked = false;
    try {
      knocked = lease.lock.waitedFor();
      if (!knocked && lease.lock.held() && realLogPathSync(this.path, fs) === lease.real) {
        const named = fs.statSync(lease.real);
        const stat = fs.fstatSync(lease.fd);
        if (
          named !== undefined &&
          named.ino === stat.ino &&
          named.dev === stat.dev &&
          stat.isFile() &&
          stat.nlink === 1
        ) {
          return { fd: lease.fd, stat, lock: lease.lock, created: false, real: lease.real };
        }
      }
    } catch {
      // Anything unexpected: the append starts again from the lock, which words any error.
    }
    this.#endLease();
    if (knocked) await FileLock.letIn(lease.lock.path, fs);
    return undefined;
  }

  /** Takes the write lock and opens the log (creating it if there is none). */
  async #acquire(): Promise<Held> {
    const fs = this.#fs;
    let real: string;
    try {
      real = realLogPathSync(this.path, fs);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw lockFolderError(this.lockPath, error);
    }
    const lockPath = `${real}.lock`;
    let existing: Stats | undefined;
    try {
      existing = fs.statSync(real);
    } catch {
      existing = undefined;
    }
    const { lock } = await FileLock.acquire(
      lockPath,
      {
        ...this.#lock,
        ...(existing === undefined ? {} : { log: identityOf(existing) }),
        sweep: this.#lock.sweep ?? !this.#swept.has(lockPath),
        onWait: (who) =>
          this.#warn(`waiting for ${this.#name}: another append holds ${lockPath} (${who})`),
      },
      fs,
    );
    this.#swept.add(lockPath);
    let opened: { fd: number; created: boolean } | undefined;
    try {
      try {
        opened = this.#open(real);
      } catch (error) {
        throw this.#ioError('open', error);
      }
      const stat = this.#checkRegularFd(opened.fd);
      if (stat.nlink > 1) {
        throw new StoreError(
          `cannot append to ${this.#name}: the file has ${stat.nlink} names (hard links), and a writer through another name would not see this one's lock; keep one name (copy the file) and try again`,
        );
      }
      // Recorded before anything is read: readers stop here meanwhile. A failure is not final
      // here: the record is written again, or the append fails, before the log is written.
      try {
        lock.recordNow(stat.size, identityOf(stat));
      } catch {
        // Written again before the log is (see #append), or the append fails there.
      }
      return { fd: opened.fd, stat, lock, created: opened.created, real };
    } catch (error) {
      this.#letGo(lock, opened?.fd, opened?.created === true ? real : undefined);
      throw error;
    }
  }

  /**
   * After the locked body: keeps the lock and the log for the next append when the body
   * succeeded on a log that existed, else lets both go.
   */
  #settle(held: Held, ok: boolean): void {
    const end = this.#cached?.bytes;
    if (ok && !held.created && end !== undefined) {
      try {
        // Readers stop where the record says: at the end of the acknowledged events.
        held.lock.recordNow(end);
        if (this.#lease === undefined) {
          this.#lease = { lock: held.lock, fd: held.fd, real: held.real };
          endAtExit(this.#endAtExit);
        }
        return;
      } catch {
        // The record could not be written: the lock goes, and with it what it said.
      }
    }
    if (this.#lease?.fd === held.fd) {
      this.#endLease();
      return;
    }
    this.#letGo(held.lock, held.fd, held.created ? held.real : undefined);
  }

  /** Closes the log and removes the lock; a log this store created and left empty is removed. */
  #letGo(lock: FileLock, fd: number | undefined, created: string | undefined): void {
    const fs = this.#fs;
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Only an already closed descriptor fails to close: nothing is left open.
      }
    }
    if (created !== undefined) {
      // A log created by a failed first append is removed again: the folder is as it was.
      let size = -1;
      try {
        const after = fs.lstatSync(created);
        size = after.isFile() ? after.size : -1;
      } catch {
        // Gone already: nothing to remove.
      }
      if (size === 0) {
        try {
          fs.unlinkSync(created);
        } catch {
          // An empty file left behind is an empty log: harmless, and the next append uses it.
        }
      }
    }
    try {
      lock.releaseNow();
    } catch {
      // A lock that cannot be removed is a dead writer's to the next one, which takes it over.
    }
  }

  /**
   * Opens the log (its real path, not following a link that appeared since) for reading and
   * appending, creating it if there is none. Never blocks on a FIFO.
   */
  #open(real: string): { fd: number; created: boolean } {
    for (;;) {
      try {
        const flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK;
        return { fd: this.#fs.openSync(real, flags), created: false };
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
      }
      try {
        const flags = O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW;
        return { fd: this.#fs.openSync(real, flags, 0o666), created: true };
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
    }
  }

  /** {@link #checkRegular} of an open descriptor. */
  #checkRegularFd(fd: number): Stats {
    let stat: Stats;
    try {
      stat = this.#fs.fstatSync(fd);
    } catch (error) {
      throw this.#ioError('open', error);
    }
    if (!stat.isFile()) {
      throw new StoreError(
        `cannot use ${this.#name} as a log: it is ${kindOf(stat)}, not a regular file`,
      );
    }
    return stat;
  }

  /** One write of the whole batch, then fsync; on failure the file is cut back to `before`. */
  async #write(
    fd: number,
    before: number,
    text: string,
    created: string | undefined,
  ): Promise<void> {
    try {
      writeAllSync(this.#fs, fd, Buffer.from(text), null);
      await this.#fs.fsync(fd);
      if (created !== undefined) await syncDir(this.#fs, dirname(created));
    } catch (error) {
      try {
        this.#fs.ftruncateSync(fd, before);
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
    fd: number,
    opened: { size: number; ino: number | bigint },
    real: string,
  ): Promise<Checkpoint> {
    const fs = this.#fs;
    const size = opened.size;
    const ino = Number(opened.ino);
    let base: Checkpoint | undefined;
    try {
      base =
        verifyCheckpoint(fs, fd, this.#cached, size, ino) ??
        verifyCheckpoint(
          fs,
          fd,
          await loadSnapshot(snapshotPathOf(real), this.#name, fs, this.#exactIds),
          size,
          ino,
        );
    } catch (error) {
      throw this.#ioError('read', error);
    }
    base ??= await this.#fromCache(fd, size, ino, real);
    base ??= emptyCheckpoint(ino, this.#name, this.#exactIds);
    if (base.bytes !== size) return this.#replayTail(fd, base, size, real);
    this.#cached = base;
    return base;
  }

  /**
   * The state of a long log with no sidecar where its checkpoint cache last holds (a replay,
   * `status` or `inspect` left it): a million events' first append replayed them all. Its ids
   * are read from the lines before it (`idsOfLines`, without parsing most), into the index a
   * replay would have filled, so the sidecar the append then writes is the one a replay from
   * the first line would have written. Undefined when the cache holds no state for the log, or
   * a line does not give its id: the log is replayed from its first line.
   */
  async #fromCache(
    fd: number,
    size: number,
    ino: number,
    real: string,
  ): Promise<Checkpoint | undefined> {
    if (size < this.#cacheMinBytes) return undefined;
    const found = await latestCachedState(real, fd, size, { fs: this.#fs, note: this.#note });
    if (found === undefined) return undefined;
    const { mark, replay } = found;
    // Before the ids are read (0.75 s for a million lines): the checkpoint's last line read back
    // through this store's own descriptor, as a sidecar's is, and a state this truce can go on
    // from.
    let holds: boolean;
    try {
      holds = lastLineHoldsSync(this.#fs, fd, mark, size);
    } catch (error) {
      throw this.#ioError('read', error);
    }
    if (!holds) {
      this.#note(`the line before the checkpoint at seq ${mark.seq} does not read back; not used`);
      return undefined;
    }
    const replayer = resumeReplayer(replay, this.#name);
    if (replayer === undefined) {
      this.#note(
        `the checkpoint cache's state at seq ${mark.seq} is not one this truce can go on from`,
      );
      return undefined;
    }
    const ids = await idsOfLines(
      this.#fs,
      fd,
      mark.bytes,
      mark.seq,
      this.#exactIds,
      (error) => this.#ioError('read', error),
      this.#onProgress,
    );
    if (ids === undefined) {
      this.#note(`the lines before seq ${mark.seq} do not each give their id; the log is replayed`);
      return undefined;
    }
    this.#note(`no snapshot sidecar holds; going on from the checkpoint cache at seq ${mark.seq}`);
    return {
      state: { head: mark.seq, ids, replayer },
      bytes: mark.bytes,
      ino,
      lastLineStart: mark.lastLineStart,
      lastLineHash: mark.lastLineHash,
      // No sidecar holds it: the next append past `snapshotEvery` events writes one.
      snapshotSeq: 0,
    };
  }

  /** Reads, checks and replays the lines past `base`, repairing a torn last line. */
  async #replayTail(fd: number, base: Checkpoint, size: number, real: string): Promise<Checkpoint> {
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
    const chunks = chunksOfFd(this.#fs, fd, base.bytes, size, (error) =>
      this.#ioError('read', error),
    );
    const lines = splitLines(chunks, { maxLineBytes: DEFAULT_MAX_LINE_BYTES });
    for await (const raw of namedLines(lines, this.#name)) {
      const start = bytes;
      let entry: LogEntry | null;
      try {
        try {
          entry = checker.check(raw);
        } catch (error) {
          // An id the compact index cannot place: the lines before this one say.
          entry = await checkSettling(checker, raw, error, (id) =>
            this.#placeIds(fd, start, state, [id]),
          );
        }
      } catch (error) {
        if (!(error instanceof ValidationError && error.torn)) throw error;
        const side = await this.#moveAside(fd, start, size, real);
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
      this.#onProgress?.(event.seq, bytes);
    }
    if (!moved && bytes < size) {
      // Only blank lines follow the last event (an editor's extra newline): the next event
      // must follow it directly, so they go (whitespace, never an event).
      try {
        this.#fs.ftruncateSync(fd, bytes);
        await this.#fs.fsync(fd);
      } catch (error) {
        throw this.#ioError('write', error);
      }
    }
    if (unterminated) {
      // A whole last event without its `\n` (an edited file): complete the line before appending.
      await this.#write(fd, bytes, '\n', undefined);
      bytes += 1;
    }
    const checkpoint: Checkpoint = {
      state,
      bytes,
      ino: base.ino,
      lastLineStart,
      lastLineHash: this.#hashRange(fd, lastLineStart, bytes),
      snapshotSeq: base.snapshotSeq,
    };
    this.#cached = checkpoint;
    return checkpoint;
  }

  /**
   * Settles the ids among `ids` the store's index cannot place (see {@link StoredIds}) by
   * reading bytes `[0, end)` of the log, the `state.head` events `state` describes: the seq of
   * each, or that it is not there.
   */
  async #placeIds(
    fd: number,
    end: number,
    state: FileLogState,
    ids: Iterable<string>,
  ): Promise<void> {
    const unsure = state.ids.unsure(ids);
    if (unsure.size === 0) return;
    const found = await findIdSeqs(this.#fs, fd, end, state.head, unsure, (error) =>
      this.#ioError('read', error),
    );
    for (const id of unsure) state.ids.settle(id, found.get(id));
  }

  #moveAside(fd: number, from: number, to: number, real: string): Promise<string> {
    return moveAside(fd, from, to, { path: real, name: this.#name, fs: this.#fs });
  }

  /** The SHA-256 of bytes `[from, to)` of the log; empty for an empty range. */
  #hashRange(fd: number, from: number, to: number): string {
    if (to <= from) return '';
    try {
      return sha256(readRangeSync(this.#fs, fd, from, to));
    } catch (error) {
      throw this.#ioError('read', error);
    }
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

/** Leases still held, ended when the process exits (even by `process.exit()`). */
const atExit = new Set<() => void>();
let exitHooked = false;

/** Ends a lease when the process exits, if it is still held then. */
function endAtExit(end: () => void): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const each of atExit) each();
    });
  }
  atExit.add(end);
}

/** The lock and the log one append keeps for the next (see `FileEventStore`'s lease). */
interface Lease {
  lock: FileLock;
  /** The log, open for reading and appending. */
  fd: number;
  /** The log's real path when the lease began. */
  real: string;
}

/** What the write-locked section of an append or repair is handed. */
interface Held {
  /** The log, open for reading and appending. */
  fd: number;
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

/** The string ids of a batch (anything else is left to `prepareAppend` to refuse). */
function idsOf(events: readonly NewEvent[]): string[] {
  const ids: string[] = [];
  for (const event of events as readonly unknown[]) {
    const id =
      typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
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
