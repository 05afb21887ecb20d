import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildCompleteReadLogOptions,
  DEFAULT_MAX_LINE_BYTES,
  IdIndex,
  type IdLookup,
  LogChecker,
  lineTooLongAsValidation,
  splitLines,
} from '../events/index.js';
import {
  REPLAY_SNAPSHOT_VERSION,
  Replayer,
  type ReplayLogOptions,
  type ReplayOutcome,
  replayLog,
} from '../replay/index.js';
import { lastLineHolds } from './checkpoint.js';
import {
  type CacheAccess,
  type CacheIndex,
  type CacheMark,
  CHECKPOINT_EVERY,
  ChainHasher,
  cachePathOf,
  cacheUsable,
  fingerprintOf,
  type LogFingerprint,
  readCacheCheckpoint,
  readCacheIndex,
  replayShape,
  verifyCacheIndex,
  writeCacheCheckpoint,
  writeCacheIndex,
} from './checkpointCache.js';
import { chunksOf, sha256 } from './logFile.js';
import { realLogPath } from './logPath.js';
import { nodeFs, type StoreFs } from './storeFs.js';

/** Options of {@link replayLogCached}. */
export interface CachedReplayOptions extends ReplayLogOptions {
  /** Use the checkpoint cache beside the log (true by default); false reads and writes none. */
  cache?: boolean;
  /**
   * Told how far the replay is (the seq just applied, the byte offset past it), for a progress
   * line; unlike `onEvent`, it lets the replay resume from a checkpoint.
   */
  onProgress?: (seq: number, bytes: number) => void;
  /** Where a line about the cache goes (why it is not used); nowhere by default. */
  note?: (message: string) => void;
  /** Events between checkpoints ({@link CHECKPOINT_EVERY} by default; tests use fewer). */
  checkpointEvery?: number;
  /**
   * The largest a checkpoint may be beside the log's bytes since the one before (0.5 by
   * default): a large state is saved less often, so the cache stays under half the log.
   */
  checkpointShare?: number;
  /** The file system; tests inject failures through it. */
  fs?: StoreFs;
  /**
   * Logs smaller than this replay without a cache (256 KiB by default, about a thousand
   * events: a few milliseconds of replay), so no folder appears beside short logs.
   */
  cacheMinBytes?: number;
  /**
   * No checkpoint is written once the state's last one passed half this size (32 MiB by
   * default): writing it would cost more memory than a replay's own (issue 12 keeps a replay of
   * a million events under 200 MB), and reading it back as long as a replay of many events.
   */
  checkpointMaxBytes?: number;
}

/** The cache could not give what was needed midway (a file gone): replay without it. */
class CacheMiss extends Error {}

const { O_RDONLY, O_NONBLOCK } = constants;

/**
 * {@link replayLog} of a log file through its checkpoint cache (`LOG.truce-cache/`): resumes
 * from the last checkpoint before the point asked for (`until`, `at`) that still holds for the
 * log, replays the rest, and leaves a checkpoint every few thousand events it passes for next
 * time. The outcome (report, replayer, errors) is exactly that of `replayLog`: a cache that does
 * not hold is ignored and rebuilt. With `onEvent` every event is needed: it replays from the
 * start, and still leaves the checkpoints.
 *
 * @example
 * const { report } = await replayLogCached('big.jsonl', { until: 999_000 });
 */
export async function replayLogCached(
  path: string,
  options: CachedReplayOptions = {},
): Promise<ReplayOutcome> {
  const {
    cache = true,
    onProgress,
    note = () => {},
    checkpointEvery,
    checkpointShare,
    cacheMinBytes = 256 * 1024,
    checkpointMaxBytes = 32 * 1024 * 1024,
    fs = nodeFs,
    ...rest
  } = options;
  const replay: ReplayLogOptions =
    onProgress === undefined
      ? rest
      : {
          ...rest,
          onEvent: (entry, replayer) => {
            rest.onEvent?.(entry, replayer);
            onProgress(entry.event.seq, entry.end);
          },
        };
  if (!cache || path === '-') return replayLog(path, replay);
  let real: string;
  try {
    real = await realLogPath(path, fs);
  } catch {
    return replayLog(path, replay);
  }
  let handle: FileHandle;
  try {
    handle = await fs.open(path, O_RDONLY | O_NONBLOCK);
  } catch {
    return replayLog(path, replay);
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile() || Number(stat.size) < cacheMinBytes) return await replayLog(path, replay);
    const access: CacheAccess = { dir: cachePathOf(real), fs, note };
    const run = new CachedRun(
      handle,
      access,
      { ...rest, file: rest.file ?? path },
      {
        onProgress,
        every: checkpointEvery ?? CHECKPOINT_EVERY,
        share: checkpointShare ?? 0.5,
        maxBytes: checkpointMaxBytes,
        size: Math.min(Number(stat.size), replay.end ?? Number.POSITIVE_INFINITY),
        before: fingerprintOf(stat),
      },
    );
    try {
      return await run.replay(true);
    } catch (error) {
      if (!(error instanceof CacheMiss)) throw error;
      note(`the checkpoint cache lost a file while in use (${error.message}); replaying in full`);
      return await run.replay(false);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

interface RunLimits {
  /** Told the seq and offset after each event. */
  onProgress: ((seq: number, bytes: number) => void) | undefined;
  every: number;
  share: number;
  maxBytes: number;
  /** Bytes of the log to read. */
  size: number;
  /** The log's fingerprint before reading. */
  before: LogFingerprint;
}

/** One replay through the cache. */
class CachedRun {
  readonly #handle: FileHandle;
  readonly #access: CacheAccess;
  readonly #options: ReplayLogOptions;
  readonly #limits: RunLimits;

  constructor(
    handle: FileHandle,
    access: CacheAccess,
    options: ReplayLogOptions,
    limits: RunLimits,
  ) {
    this.#handle = handle;
    this.#access = access;
    this.#options = options;
    this.#limits = limits;
  }

  async replay(useCache: boolean): Promise<ReplayOutcome> {
    const { until, at, asOf, onEvent, ...read } = this.#options;
    const file = read.file ?? undefined;
    const limit = at === undefined ? undefined : Date.parse(at);
    if (limit !== undefined && Number.isNaN(limit)) {
      throw new RangeError(`expected an ISO 8601 date-time for --at, found "${at}"`);
    }
    const access = this.#access;
    const writable = await cacheUsable(access);
    const index = useCache && writable ? await readCacheIndex(access) : undefined;
    const verified = index
      ? await verifyCacheIndex(this.#handle, index, this.#limits.size, this.#limits.before)
      : { checkpoints: [], end: undefined, whole: false };
    if (index && !verified.whole) {
      access.note('the log changed before the end of the checkpoint cache; it is rebuilt past it');
    }
    // Where the log is proven: every event up to it was checked (ids unique, each taken).
    const proven: CacheMark | undefined = verified.end ?? verified.checkpoints.at(-1);
    const provenSeq = proven?.seq ?? 0;

    // Resume from the last checkpoint before the point asked for, unless every event is wanted.
    let base:
      | { mark: CacheIndex['checkpoints'][number]; replay: Replayer; size: number }
      | undefined;
    if (onEvent === undefined) {
      for (let i = verified.checkpoints.length - 1; i >= 0; i--) {
        const mark = verified.checkpoints[i] as CacheIndex['checkpoints'][number];
        if (until !== undefined && mark.seq > until) continue;
        if (limit !== undefined && mark.maxAt > limit) continue;
        if (!(await lastLineHolds(this.#handle, mark, this.#limits.size))) continue;
        const loaded = await readCacheCheckpoint(access, mark);
        if (loaded === undefined) continue;
        try {
          base = {
            mark,
            replay: new Replayer({ from: loaded.replay, ...(file ? { file } : {}) }),
            size: loaded.fileSize,
          };
        } catch {
          continue;
        }
        break;
      }
    }
    const start = base?.mark ?? { seq: 0, bytes: 0, hash: '', maxAt: Number.NEGATIVE_INFINITY };
    const replayer = base?.replay ?? new Replayer(file ? { file } : {});

    // Ids: events up to the proven point are known unique; past it, each is checked against all.
    let line = start.seq;
    // From the first line every id is seen here: none is loaded (and no cache file can be
    // missing midway, so `onEvent` never sees an event twice).
    const fromStart = start.seq === 0;
    let all: IdIndex | undefined = fromStart ? new IdIndex() : undefined;
    const ids: IdLookup = {
      firstLine: (id) => (line <= provenSeq ? undefined : all?.firstLine(id)),
      add: (id, at) => {
        if (fromStart || at > provenSeq) all?.add(id, at);
      },
    };
    const checker = new LogChecker(buildCompleteReadLogOptions(file ? { ...read, file } : read), {
      line: start.seq,
      seq: start.seq,
      ids,
    });

    // What this run adds to the cache: checkpoints past the proven point, chained to those before.
    let canWrite = writable;
    const hasher = canWrite ? new ChainHasher(start.hash, start.bytes) : undefined;
    const links = verified.checkpoints.filter((mark) => mark.seq > start.seq);
    const added: CacheIndex['checkpoints'] = [];
    let segment: string[] = [];
    let maxAt = start.maxAt;
    let lastSeq = start.seq;
    let lastStart = start.bytes;
    let lastEnd = start.bytes;
    let stoppedBy: ReplayOutcome['stoppedBy'] = 'end';
    const every = this.#limits.every;
    let lastCheckpointAt = start.bytes;
    let lastCheckpointSize = base?.size ?? 0;

    const markAt = (bytes: number, seq: number, link: boolean): CacheMark => {
      const h = hasher as ChainHasher;
      return {
        seq,
        bytes,
        lastLineStart: lastStart,
        lastLineHash: sha256(h.slice(lastStart, bytes)),
        hash: link ? h.mark(bytes) : h.peek(bytes),
        maxAt,
      };
    };

    const handle = this.#handle;
    const to = Math.max(start.bytes, this.#limits.size);
    const chunks = (async function* () {
      for await (const chunk of chunksOf(handle, start.bytes, to, (error) => error as Error)) {
        hasher?.feed(chunk);
        yield chunk;
      }
    })();

    let failure: unknown;
    try {
      for await (const raw of splitLines(chunks, { maxLineBytes: DEFAULT_MAX_LINE_BYTES })) {
        line = start.seq + raw.line;
        if (line > provenSeq && all === undefined) all = await this.#loadIds(verified, provenSeq);
        const entry = checker.check(raw);
        if (entry === null) continue;
        const { event } = entry;
        if (until !== undefined && event.seq > until) {
          stoppedBy = 'until';
          break;
        }
        const time = Date.parse(event.at);
        if (limit !== undefined && time > limit) {
          stoppedBy = 'at';
          break;
        }
        replayer.apply(event, entry.line);
        onEvent?.(entry, replayer);
        if (time > maxAt) maxAt = time;
        lastStart = lastEnd;
        lastEnd = start.bytes + entry.end;
        lastSeq = event.seq;
        this.#limits.onProgress?.(lastSeq, lastEnd);
        if (!canWrite) continue;
        segment.push(event.id);
        if (links[0] !== undefined && links[0].bytes === lastEnd) {
          // A checkpoint the cache already has: the chain goes through it.
          (hasher as ChainHasher).mark(lastEnd);
          links.shift();
          segment = [];
        } else if (
          event.seq % every === 0 &&
          event.seq > provenSeq &&
          lastCheckpointSize <= this.#limits.share * (lastEnd - lastCheckpointAt) &&
          lastCheckpointSize <= this.#limits.maxBytes / 2
        ) {
          const mark = markAt(lastEnd, event.seq, true);
          const written = await writeCacheCheckpoint(access, {
            seq: mark.seq,
            bytes: mark.bytes,
            hash: mark.hash,
            ids: segment,
            replay: replayer.snapshot(),
          });
          if (written === undefined) canWrite = false;
          else {
            added.push({ ...mark, file: written.file, fileHash: written.fileHash });
            segment = [];
            lastCheckpointAt = lastEnd;
            lastCheckpointSize = written.size;
          }
        }
      }
    } catch (error) {
      failure = lineTooLongAsValidation(error, file);
    }

    // Record what this run proved when it goes further than the cache did, or cut the cache back.
    if (canWrite && lastSeq > provenSeq) {
      const end = { ...markAt(lastEnd, lastSeq, false), ids: segment };
      await writeCacheIndex(
        access,
        {
          format: 'truce-cache',
          version: 1,
          replayVersion: REPLAY_SNAPSHOT_VERSION,
          shape: replayShape(),
          log: await this.#fingerprintNow(),
          checkpoints: [...verified.checkpoints, ...added],
          end,
        },
        index !== undefined && !verified.whole,
      );
    } else if (writable && index !== undefined && !verified.whole) {
      await this.#cutBack(verified.checkpoints);
    }
    if (failure !== undefined) throw failure;
    const instant = asOf ?? at;
    return {
      report: replayer.report(instant === undefined ? {} : { asOf: instant }),
      events: replayer.seq,
      stoppedBy,
      replayer,
    };
  }

  /** Every id up to the proven seq, from the checkpoints and the index's end. */
  async #loadIds(
    verified: { checkpoints: CacheIndex['checkpoints']; end: CacheIndex['end'] | undefined },
    provenSeq: number,
  ): Promise<IdIndex> {
    // The ids in seq order, as a replay from the first line adds them (the same index, the same messages).
    const all = new IdIndex();
    let seq = 0;
    const marks = verified.checkpoints.filter((mark) => mark.seq <= provenSeq);
    // Read eight at a time (each file is one open, stat, read and close), added in seq order.
    for (let from = 0; from < marks.length; from += 8) {
      const batch = marks.slice(from, from + 8);
      const loaded = await Promise.all(batch.map((m) => readCacheCheckpoint(this.#access, m)));
      for (const [i, mark] of batch.entries()) {
        const checkpoint = loaded[i];
        if (checkpoint === undefined || checkpoint.ids.length !== mark.seq - seq) {
          throw new CacheMiss(`checkpoint ${mark.file}`);
        }
        for (const id of checkpoint.ids) all.add(id, ++seq);
      }
    }
    if (verified.end !== undefined && verified.end.seq === provenSeq) {
      for (const id of verified.end.ids) all.add(id, ++seq);
    }
    if (seq !== provenSeq || all.size !== seq) throw new CacheMiss('the ids');
    return all;
  }

  /** The log's fingerprint now, if it did not change while it was read; else null. */
  async #fingerprintNow(): Promise<LogFingerprint | null> {
    try {
      const now = fingerprintOf(await this.#handle.stat({ bigint: true }));
      const before = this.#limits.before;
      const same =
        now.size === before.size &&
        now.mtimeNs === before.mtimeNs &&
        now.ctimeNs === before.ctimeNs &&
        now.ino === before.ino;
      return same ? now : null;
    } catch {
      return null;
    }
  }

  /** Rewrites the index with only the checkpoints that still hold (none: no index). */
  async #cutBack(checkpoints: CacheIndex['checkpoints']): Promise<void> {
    const last = checkpoints.at(-1);
    if (last === undefined) {
      await this.#access.fs.unlink(join(this.#access.dir, 'index.json')).catch(() => undefined);
      return;
    }
    const { file: _file, fileHash: _hash, ...mark } = last;
    await writeCacheIndex(
      this.#access,
      {
        format: 'truce-cache',
        version: 1,
        replayVersion: REPLAY_SNAPSHOT_VERSION,
        shape: replayShape(),
        log: null,
        checkpoints,
        end: { ...mark, ids: [] },
      },
      true,
    );
  }
}
