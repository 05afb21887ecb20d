import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildCompleteReadLogOptions,
  DEFAULT_EXACT_LIMIT,
  DEFAULT_MAX_LINE_BYTES,
  IdIndex,
  type IdLookup,
  LogChecker,
  type LogEntry,
  lineTooLongAsValidation,
  type RawLine,
  splitLineBatches,
  splitLines,
  writeIdFingerprint,
} from '../events/index.js';
import { PROJECTION_LISTS } from '../projections/index.js';
import {
  REPLAY_SNAPSHOT_VERSION,
  Replayer,
  type ReplayLogOptions,
  type ReplayOutcome,
  type ReplaySnapshot,
  replayLog,
  resumeReplayer,
} from '../replay/index.js';
import { CACHE_MIN_BYTES } from './cacheMinBytes.js';
import type { ProveOptions } from './chainProof.js';
import { lastLineHolds } from './checkpoint.js';
import {
  CACHE_VERSION,
  type CacheAccess,
  CacheIdsWriter,
  type CacheIndex,
  type CacheMark,
  CHECKPOINT_EVERY,
  CHECKPOINT_SPREAD,
  ChainHasher,
  type CheckpointMemo,
  cachePathOf,
  cacheUsable,
  closeNextFile,
  fingerprintOf,
  type ListReuse,
  type ListTexts,
  type LoadedState,
  type LogFingerprint,
  loadCheckpointState,
  readCacheIds,
  readCacheIndex,
  replayShape,
  sameFingerprint,
  TAILS,
  type VerifiedIndex,
  verifyCacheIndex,
  writeCacheCheckpoint,
  writeCacheIndex,
} from './checkpointCache.js';
import { chunksOf, sha256 } from './logFile.js';
import { realLogPath } from './logPath.js';
import { fieldEdits, type PathStep, type StateEdit, stateDelta } from './stateDelta.js';
import { checkSettling, UnsettledId } from './storedIds.js';
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
  /**
   * Called once the log is read, before the cache's last files are written: the reader's state
   * (the index of every id, 16 MB for a million) is let go by then, so a command line may
   * collect it here.
   */
  onRead?: () => void;
  /**
   * Told where the replay resumes before it reads anything there: the seq and byte offset of the
   * checkpoint whose state it is about to load (again for an earlier one if that one does not
   * hold), or 0 and 0 when it replays from the first line. A command line may size its heap by
   * how far that is from where it stops before the state is parsed.
   */
  onResume?: (seq: number, bytes: number) => void;
  /** Where a line about the cache goes (why it is not used); nowhere by default. */
  note?: (message: string) => void;
  /** Events between checkpoints ({@link CHECKPOINT_EVERY} by default; tests use fewer). */
  checkpointEvery?: number;
  /**
   * Events between checkpoints far from where the replay stops ({@link CHECKPOINT_SPREAD}
   * checkpoints apart by default, rounded to a multiple of them): the last stretch of that many
   * events before the end of the log, or before the seq asked for, has one every
   * `checkpointEvery`.
   */
  checkpointSpread?: number;
  /**
   * Ids whose fingerprints are held before they are written to the ids file (16,384 by
   * default; tests use fewer).
   */
  idsBlock?: number;
  /**
   * The largest a whole-state checkpoint may be beside the log's bytes since the last one (0.5
   * by default): a large state is saved whole less often, so the cache stays under about half
   * the log; the checkpoints between hold what changed since the one before.
   */
  checkpointShare?: number;
  /**
   * Keeps the last state read from the cache for the next replay that resumes from the same
   * checkpoint (see {@link CheckpointMemo}): a program asking for one seq after another near it
   * reads and parses its files once. None by default: each replay reads its files.
   */
  memo?: CheckpointMemo;
  /** The file system; tests inject failures through it. */
  fs?: StoreFs;
  /**
   * Entries of a long list per block a whole state may copy from the last one's file
   * ({@link LIST_BLOCK} by default; tests use fewer).
   */
  listBlock?: number;
  /**
   * Logs smaller than this replay without a cache ({@link CACHE_MIN_BYTES} by default, about a
   * thousand events: a few milliseconds of replay), so no folder appears beside short logs.
   */
  cacheMinBytes?: number;
  /**
   * Whether a log whose fingerprint changed since the cache proved it is hashed again on a
   * thread of its own, while the state to resume from is read: from 16 MiB of log by default
   * (`'auto'`); tests choose `'always'` or `'never'`.
   */
  proofThread?: ProveOptions['thread'];
}

/**
 * New ids looked for among the proven part's fingerprints one by one, in the ids file's words,
 * before an index of them all is built (the next is asked of the index).
 */
export const PROVEN_ID_SCANS = 16;

/**
 * The fingerprints of the proven part's ids, asked whether a new event's id has one of them.
 * The first {@link PROVEN_ID_SCANS} are looked for by a scan of the ids file's words (about a
 * millisecond for a million): an append and then `status` asks once or a few times, and indexing
 * a million fingerprints cost 140 ms and their collection more. Asked more often, they are
 * indexed once (`IdIndex.ofFingerprints`) and each later id is a look-up.
 */
class ProvenIds {
  readonly #words: Uint32Array;
  readonly #count: number;
  readonly #probe = new Uint32Array(2);
  #scans = 0;
  #index: IdIndex | undefined;

  /** The first `count` fingerprints of `words` (two words each, as the ids file holds them). */
  constructor(words: Uint32Array, count: number) {
    this.#words = words;
    this.#count = count;
  }

  /** Whether `id`'s fingerprint is one of them (it may be another id's: the log settles that). */
  has(id: string): boolean {
    if (this.#index === undefined && this.#scans < PROVEN_ID_SCANS) {
      this.#scans++;
      writeIdFingerprint(id, this.#probe, 0);
      const hi = this.#probe[0] as number;
      const lo = this.#probe[1] as number;
      const words = this.#words;
      for (let i = 0, end = 2 * this.#count; i < end; i += 2) {
        if (words[i] === hi && words[i + 1] === lo) return true;
      }
      return false;
    }
    this.#index ??= IdIndex.ofFingerprints(this.#words, this.#count);
    return this.#index.firstLine(id) !== undefined;
  }
}

/**
 * Entries of a long list per block that a whole state copies from the last whole state's file
 * when none of them was replaced since (`ListReuse`): 128 entries of the million-event log's
 * lists are about 20 KB of text.
 */
export const LIST_BLOCK = 128;

/** The cache could not give what was needed midway (a file gone): replay without it. */
class CacheMiss extends Error {}

const { O_RDONLY, O_NONBLOCK } = constants;

/**
 * {@link replayLog} of a log file through its checkpoint cache (`LOG.truce-cache/`): resumes
 * from the last checkpoint before the point asked for (`until`, `at`) that still holds for the
 * log, replays the rest, and leaves checkpoints for next time: every 4,096 events it passes,
 * and every 1,024 over the last 4,096 before where it stops. The outcome (report, replayer,
 * errors) is exactly that of `replayLog`: a cache that does not hold is ignored and rebuilt.
 * With `onEvent` every event is needed: it replays from the start, and still leaves the
 * checkpoints.
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
    onRead,
    onResume,
    note = () => {},
    checkpointEvery,
    checkpointSpread,
    idsBlock,
    checkpointShare,
    memo,
    listBlock = LIST_BLOCK,
    cacheMinBytes = CACHE_MIN_BYTES,
    proofThread,
    fs = nodeFs,
    ...rest
  } = options;
  const replay: ReplayLogOptions =
    onProgress === undefined
      ? rest
      : {
          ...rest,
          onEvent: (entry, replayer) => {
            const waiting = rest.onEvent?.(entry, replayer);
            onProgress(entry.event.seq, entry.end);
            return waiting;
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
        onRead,
        onResume,
        every: checkpointEvery ?? CHECKPOINT_EVERY,
        spread: spreadOf(checkpointEvery ?? CHECKPOINT_EVERY, checkpointSpread),
        idsBlock: idsBlock ?? Fingerprints.BLOCK,
        share: checkpointShare ?? 0.5,
        size: Math.min(Number(stat.size), replay.end ?? Number.POSITIVE_INFINITY),
        before: fingerprintOf(stat),
        memo,
        listBlock,
        proofThread,
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

/**
 * The spacing of checkpoints before the last stretch: `spread` ({@link CHECKPOINT_SPREAD} when
 * not given) rounded to a multiple of `every`, and `every` itself when `spread` is not more
 * (or is not a number).
 */
export function spreadOf(every: number, spread = CHECKPOINT_SPREAD): number {
  if (!(spread > every)) return every;
  return Math.round(spread / every) * every;
}

interface RunLimits {
  /** Told the seq and offset after each event. */
  onProgress: ((seq: number, bytes: number) => void) | undefined;
  /** Told when the log is read and the ids let go. */
  onRead: (() => void) | undefined;
  /** Told where the replay resumes, before it reads there. */
  onResume: ((seq: number, bytes: number) => void) | undefined;
  every: number;
  /** Events between checkpoints before the last stretch (a multiple of `every`). */
  spread: number;
  /** Fingerprints per block of {@link Fingerprints}. */
  idsBlock: number;
  share: number;
  /** Bytes of the log to read. */
  size: number;
  /** The log's fingerprint before reading. */
  before: LogFingerprint;
  /** The last state read from the cache, kept for the next replay. */
  memo: CheckpointMemo | undefined;
  /** Entries per block of a long list copied from the last whole state's file. */
  listBlock: number;
  /** Whether the log's prefix is hashed on a thread of its own (by its size unless told). */
  proofThread: ProveOptions['thread'];
}

type Listed = CacheIndex['checkpoints'][number];

/**
 * The fingerprints of the ids of events 1..length, in seq order, for the cache's ids file: in
 * blocks, so they grow without being copied, and full blocks are handed to the ids file's
 * writer as the replay goes ({@link Fingerprints.takeFull}), so a million events' 8 MB are not
 * all held.
 */
class Fingerprints {
  /**
   * 16,384 fingerprints (128 KiB): a block is written once full, so a run holds one being
   * filled, one full until the next checkpoint and two given back. Blocks of 65,536 held 2 MB
   * outside V8's heap through a first replay, 1.5 MB more at its peak for nothing.
   */
  static readonly BLOCK = 1 << 14;
  readonly #block: number;
  #parts: Array<{ words: Uint32Array; used: number }> = [];
  #length = 0;
  /** Fingerprints taken out by {@link takeFull}: the first of those held is number taken + 1. */
  #taken = 0;
  /** Blocks written out and given back ({@link giveBack}), for the next fingerprints. */
  #free: Uint32Array[] = [];

  /** Starting with the first `length` fingerprints of `words`, in blocks of `block`. */
  constructor(block: number, words?: Uint32Array, length = 0) {
    this.#block = block;
    if (words !== undefined && length > 0) {
      this.#parts.push({ words: words.subarray(0, 2 * length), used: length });
      this.#length = length;
    }
  }

  get length(): number {
    return this.#length;
  }

  push(id: string): void {
    let last = this.#parts.at(-1);
    if (last === undefined || 2 * last.used === last.words.length) {
      last = { words: this.#free.pop() ?? new Uint32Array(2 * this.#block), used: 0 };
      this.#parts.push(last);
    }
    writeIdFingerprint(id, last.words, last.used++);
    this.#length++;
  }

  /**
   * The full blocks before the last that hold only fingerprints 1..`count`, taken out to be
   * written: what is held from then on starts after them. The lines of a chunk are checked
   * before its events are replayed, so the blocks may already hold ids of events not replayed
   * yet, which stay (a replay that stops before them writes none of them).
   */
  takeFull(count: number): Uint32Array[] {
    let taken = 0;
    let end = this.#taken;
    for (; taken < this.#parts.length - 1; taken++) {
      const used = (this.#parts[taken] as { used: number }).used;
      if (end + used > count) break;
      end += used;
    }
    if (taken === 0) return [];
    const full = this.#parts.slice(0, taken);
    this.#parts = this.#parts.slice(taken);
    this.#taken = end;
    return full.map((part) => part.words.subarray(0, 2 * part.used));
  }

  /**
   * Blocks from {@link takeFull}, once written: they take the next fingerprints, instead of a
   * new block of 128 KiB outside V8's heap each time (freed only by a full collection).
   */
  giveBack(written: readonly Uint32Array[]): void {
    for (const words of written) {
      const whole = words.buffer.byteLength === 8 * this.#block && words.byteOffset === 0;
      if (whole && this.#free.length < 2) this.#free.push(new Uint32Array(words.buffer));
    }
  }

  /** Fingerprints `taken + 1`..`count` as views of the blocks held (none when count < taken). */
  views(count: number): Uint32Array[] | undefined {
    if (count < this.#taken) return undefined;
    const views: Uint32Array[] = [];
    let left = count - this.#taken;
    for (const part of this.#parts) {
      if (left === 0) break;
      const take = Math.min(left, part.used);
      views.push(part.words.subarray(0, 2 * take));
      left -= take;
    }
    return views;
  }
}

/**
 * The latest instant of the events seen (`maxAt` of a mark), without parsing every event's
 * date: instants written as `toISOString` writes them (UTC, fixed widths) compare as text.
 */
class Latest {
  #ms: number;
  /** The latest instant's text, when it is in that form; then it, not `#ms`, is the latest. */
  #text: string | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  see(at: string): void {
    if (this.#text !== undefined && at.length === this.#text.length && isUtcText(at)) {
      if (at > this.#text) this.#text = at;
      return;
    }
    const ms = Date.parse(at);
    if (ms > this.ms) {
      this.#ms = ms;
      this.#text = isUtcText(at) ? at : undefined;
    }
  }

  get ms(): number {
    if (this.#text !== undefined) {
      this.#ms = Date.parse(this.#text);
      this.#text = undefined;
    }
    return this.#ms;
  }
}

/** `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ` (digits checked by the event's schema). */
function isUtcText(at: string): boolean {
  return (
    (at.length === 20 || (at.length === 24 && at[19] === '.')) &&
    at[at.length - 1] === 'Z' &&
    at[4] === '-' &&
    at[7] === '-' &&
    at[10] === 'T' &&
    at[13] === ':' &&
    at[16] === ':'
  );
}

/** Where the last chain of checkpoints starts: its whole state's size and offset, its edits' size. */
function chainOf(list: readonly Listed[]): { whole: number; at: number; edits: number } {
  let edits = 0;
  for (let i = list.length - 1; i >= 0; i--) {
    const mark = list[i] as Listed;
    if (mark.from === null) return { whole: mark.size, at: mark.bytes, edits };
    edits += mark.size;
  }
  return { whole: 0, at: 0, edits };
}

const LISTS: ReadonlySet<PathStep> = new Set(PROJECTION_LISTS);

/** The projection's long lists: their edits come from the replayer, not from comparing them. */
const isList = (path: readonly PathStep[]) =>
  path.length === 2 && path[0] === 'projection' && LISTS.has(path[1] as PathStep);

/** The edits of the long lists' entries: an added one whole, a replaced one by what changed. */
function listEdits(lists: Taken['lists']): StateEdit[] {
  const edits: StateEdit[] = [];
  for (const { list, index, item, was } of lists) {
    const path: PathStep[] = ['projection', list, index];
    if (was === undefined) edits.push([path, item]);
    else if (!fieldEdits(path, was, item, edits)) {
      for (const [at, ...value] of stateDelta(was, item)) edits.push([[...path, ...at], ...value]);
    }
  }
  return edits;
}

/** A replay's state at a checkpoint (`Replayer.checkpoint`) and its lists' edits since the last. */
type Taken = ReturnType<Replayer['checkpoint']>;

/**
 * A state this run holds for a tail (the whole state of the checkpoint before the last, written
 * at the run's end). One taken without sealing its long lists (`Replayer.checkpoint(false)`)
 * shares them with the replay, which goes on appending to them and replacing their entries
 * (nothing else changes them: the edits between checkpoints are built on the same rule). It
 * keeps each list's length at its checkpoint and, from the replayer's account of the lists at
 * each checkpoint after it ({@link HeldState.note}), the entries replaced since, as they were:
 * the lists as they stood are rebuilt only for the one state whose whole state is written.
 * Sealing every state that might be the tail made the replay copy its long lists at the next
 * event (a copy of each, then a larger one as it grew: 2.7 MB of V8's large objects for each of
 * the last five checkpoints of a million events, just before the replay's peak of memory).
 */
class HeldState {
  readonly #state: ReplaySnapshot;
  /** By list shared with the replay: its length then, and the entries replaced since as they were. */
  readonly #lists: Map<string, { length: number; was: Map<number, unknown> }> | undefined;

  /** `state` as it is, or, with `shared`, a state whose lists of those names the replay goes on changing. */
  constructor(state: ReplaySnapshot, shared?: Iterable<string>) {
    this.#state = state;
    if (shared === undefined) return;
    const projection = state.projection as unknown as Record<string, unknown>;
    this.#lists = new Map();
    for (const name of shared) {
      const items = projection[name];
      if (Array.isArray(items)) this.#lists.set(name, { length: items.length, was: new Map() });
    }
  }

  /** Whether the state shares its lists with the replay (it needs every account after it). */
  get shared(): boolean {
    return this.#lists !== undefined;
  }

  /**
   * Takes the replayer's account of the lists at a later checkpoint: each entry replaced since
   * the one before is given as it was then, which for the first such account of an entry is
   * as it was at this state's checkpoint.
   */
  note(lists: Taken['lists']): void {
    if (this.#lists === undefined) return;
    for (const edit of lists) {
      if (!('was' in edit)) continue;
      const list = this.#lists.get(edit.list);
      if (list === undefined || edit.index >= list.length || list.was.has(edit.index)) continue;
      list.was.set(edit.index, edit.was);
    }
  }

  /** The state as it stood at its checkpoint, once every account after it was noted. */
  state(): ReplaySnapshot {
    if (this.#lists === undefined) return this.#state;
    const projection = { ...this.#state.projection } as unknown as Record<string, unknown>;
    for (const [name, { length, was }] of this.#lists) {
      const list = (projection[name] as unknown[]).slice(0, length);
      for (const [index, item] of was) list[index] = item;
      projection[name] = list;
    }
    return { ...this.#state, projection: projection as unknown as ReplaySnapshot['projection'] };
  }
}

/** One replay through the cache. */
class CachedRun {
  readonly #handle: FileHandle;
  readonly #access: CacheAccess;
  readonly #options: ReplayLogOptions;
  readonly #limits: RunLimits;
  /** Where the long lists lie in the last whole state this run wrote (see `ListReuse`). */
  #texts: ListTexts | undefined;
  /** The indexes of the long lists' entries replaced since that whole state, by list. */
  readonly #replaced = new Map<string, Set<number>>();

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
    this.#texts = undefined;
    this.#replaced.clear();
    const { until, at, asOf, onEvent, ...read } = this.#options;
    const file = read.file ?? undefined;
    const limit = at === undefined ? undefined : Date.parse(at);
    if (limit !== undefined && Number.isNaN(limit)) {
      throw new RangeError(`expected an ISO 8601 date-time for --at, found "${at}"`);
    }
    const access = this.#access;
    const writable = await cacheUsable(access);
    const index = useCache && writable ? await readCacheIndex(access) : undefined;
    const proving = index
      ? verifyCacheIndex(this.#handle, index, this.#limits.size, this.#limits.before, {
          thread: this.#limits.proofThread ?? 'auto',
          note: access.note,
        })
      : undefined;
    // The checkpoint to resume from, if the index holds: the last before the point asked for.
    const wanted = (mark: Listed) =>
      (until === undefined || mark.seq <= until) && (limit === undefined || mark.maxAt <= limit);
    // Read while the log's prefix is proven (on a thread of its own when the log changed and is
    // long): the proof decides below whether it is used.
    let early = index && onEvent === undefined ? this.#readEarly(index, wanted) : undefined;
    let verified: VerifiedIndex = proving
      ? await proving.catch(async (error: unknown) => {
          await early?.loaded;
          throw error;
        })
      : { checkpoints: [], end: undefined, whole: false, rehashed: false };
    if (index && !verified.whole) {
      access.note('the log changed before the end of the checkpoint cache; it is rebuilt past it');
    }

    // Resume from the last checkpoint before the point asked for, unless every event is wanted.
    let base: { mark: Listed; state: ReplaySnapshot; replayer: Replayer } | undefined;
    for (let i = verified.checkpoints.length - 1; onEvent === undefined && i >= 0; i--) {
      const mark = verified.checkpoints[i] as Listed;
      if (!wanted(mark)) continue;
      const read = early?.at === i ? (await early.loaded)() : undefined;
      early = undefined;
      if (read === null) continue;
      if (read === undefined && !(await lastLineHolds(this.#handle, mark, this.#limits.size))) {
        continue;
      }
      if (read === undefined) this.#limits.onResume?.(mark.seq, mark.bytes);
      const loaded =
        read ??
        (await loadCheckpointState(
          access,
          verified.checkpoints,
          i,
          index?.tails,
          this.#limits.memo,
        ));
      if (!loaded.ok) {
        // A file that does not hold: the cache is rebuilt from it on.
        verified = {
          checkpoints: verified.checkpoints.slice(0, loaded.broken),
          end: undefined,
          whole: false,
          rehashed: verified.rehashed,
        };
        i = Math.min(i, loaded.broken);
        continue;
      }
      // A state the replayer cannot resume from: an earlier checkpoint may do.
      const replayer = resumeReplayer(loaded.replay, file);
      if (replayer === undefined) continue;
      base = { mark, state: loaded.replay, replayer };
      break;
    }
    if (base === undefined) this.#limits.onResume?.(0, 0);
    // Where the log is proven: every event up to it was checked (ids unique, each taken).
    const proven: CacheMark | undefined = verified.end ?? verified.checkpoints.at(-1);
    const provenSeq = proven?.seq ?? 0;
    const start = base?.mark ?? { seq: 0, bytes: 0, hash: '', maxAt: Number.NEGATIVE_INFINITY };
    const replayer = base?.replayer ?? new Replayer(file ? { file } : {});

    // Ids: events up to the proven point are known unique; past it, each is checked against all.
    let line = start.seq;
    // From the first line every id is seen here, as a replay without the cache sees it.
    const fromStart = start.seq === 0;
    let fresh: IdIndex | undefined = new IdIndex();
    const { idsBlock } = this.#limits;
    let prints: Fingerprints | undefined = fromStart ? new Fingerprints(idsBlock) : undefined;
    let known: ProvenIds | undefined;
    const settled = new Map<string, number | undefined>();
    // Past DEFAULT_EXACT_LIMIT ids a replay without the cache no longer names the first line.
    const named = (first: number) => (line - 1 <= DEFAULT_EXACT_LIMIT ? first : 0);
    const ids: IdLookup = {
      firstLine: (id) => {
        if (line <= provenSeq) return undefined;
        const first = (fresh as IdIndex).firstLine(id);
        if (first !== undefined) return named(first);
        if (known?.has(id) !== true) return undefined;
        // The fingerprint of an id of the proven part: the log says whether it is the same id.
        if (!settled.has(id)) throw new UnsettledId(id);
        const settledLine = settled.get(id);
        return settledLine === undefined ? undefined : named(settledLine);
      },
      add: (id, at) => {
        if (!fromStart && at <= provenSeq) return;
        (fresh as IdIndex).add(id, at);
        prints?.push(id);
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
    /** The ids file, written as the fingerprints fill their blocks. */
    const idsOut = canWrite ? new CacheIdsWriter(access) : undefined;
    const links = verified.checkpoints.filter((mark) => mark.seq > start.seq);
    const added: Listed[] = [];
    /**
     * The state of the last checkpoint listed, which the next one's edits apply to, taken when
     * the replayer's account of its long lists began (their edits since come from it; the
     * lists in a state not kept have grown since and are not compared).
     */
    let previous: { seq: number; state: ReplaySnapshot } | undefined = base && {
      seq: base.mark.seq,
      state: base.state,
    };
    /** The states this run holds of the last checkpoints, for their whole states (`tails`). */
    const held = new Map<number, HeldState>();
    const hold = (seq: number, state: HeldState) => {
      held.set(seq, state);
      for (const key of held.keys()) if (held.size > TAILS) held.delete(key);
    };
    /** The replayer's account of its long lists at a checkpoint, for the states held before it. */
    const account = (lists: Taken['lists']) => {
      for (const state of held.values()) state.note(lists);
    };
    if (base !== undefined) hold(base.mark.seq, new HeldState(base.state));
    const latest = new Latest(start.maxAt);
    let lastSeq = start.seq;
    let lastStart = start.bytes;
    let lastEnd = start.bytes;
    let stoppedBy: ReplayOutcome['stoppedBy'] = 'end';
    let failures = 0;
    const { every, spread, share } = this.#limits;
    /**
     * Whether this run stops within `events` events after event `seq`: the seq asked for is that
     * near, or the bytes left are at most `atMean` events at the mean size of an event so far
     * (an estimate: it decides which checkpoints are made and kept, never an answer).
     */
    const stopsWithin = (seq: number, events: number, atMean = events): boolean => {
      if (until !== undefined && until - seq < events) return true;
      const perEvent = (lastEnd - start.bytes) / Math.max(1, seq - start.seq);
      return to - lastEnd <= atMean * perEvent;
    };
    /**
     * Whether event `seq` is in the last stretch ({@link CHECKPOINT_SPREAD}) before where this
     * run stops, where a checkpoint falls every `every` events: a query near the end or near a
     * point asked for replays little, and the long middle of a first replay writes a quarter of
     * the files.
     */
    const nearEnd = (seq: number): boolean => stopsWithin(seq, spread);
    /**
     * Whether the checkpoint after event `seq` may be one of the last {@link TAILS} of this run,
     * whose whole states are written at its end: its state is kept (sealed, its long lists
     * copied at the next write). Any other is written at once and not kept, so the projection's
     * long lists are not copied at every checkpoint. With room to spare (twice as many events
     * by the bytes left); a run cut short (`--at`, a rejected event) may end without the whole
     * states of its last checkpoints, and a query then reads their edits.
     */
    const mayBeTail = (seq: number): boolean =>
      stopsWithin(seq, (TAILS + 1) * every, 2 * (TAILS + 1) * every);

    /** The mark after the last event, its hash peeked (a checkpoint links it once written). */
    const markAt = (bytes: number, seq: number): CacheMark => {
      const h = hasher as ChainHasher;
      return {
        seq,
        bytes,
        lastLineStart: lastStart,
        lastLineHash: sha256(h.slice(lastStart, bytes)),
        hash: h.peek(bytes),
        maxAt: latest.ms,
      };
    };

    const handle = this.#handle;
    const to = Math.max(start.bytes, this.#limits.size);
    // Read one chunk ahead into two buffers in turn: the hasher copies what it holds, and a line
    // is decoded before the next chunk is asked for (splitting copies a line's start).
    const chunks = (async function* () {
      const read = chunksOf(handle, start.bytes, to, (error) => error as Error, {
        readAhead: true,
      });
      for await (const chunk of read) {
        hasher?.feed(chunk);
        yield chunk;
      }
    })();

    let failure: unknown;
    /** Why the lines below stopped before the log's end: set with the entry past the point. */
    let stop: ReplayOutcome['stoppedBy'] = 'end';
    /**
     * The entries each chunk completes, checked in order (a chunk's lines at a time: one await
     * per chunk, not per line). It stops at the first event past the point asked for (`until`,
     * `at`), which it leaves out: no line after that one is checked, so none past it loads the
     * ids or reads the log to settle an id. Like `readLogBatches`, an error comes after the good
     * entries before it, so the events before a bad line are applied first.
     */
    const checked = async function* (this: CachedRun): AsyncGenerator<LogEntry[]> {
      for await (const raws of splitLineBatches(chunks, {
        maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      })) {
        const entries: LogEntry[] = [];
        try {
          // By index: an array's iterator, in a generator, made a result object per line.
          for (let i = 0; i < raws.length; i++) {
            const raw = raws[i] as RawLine;
            line = start.seq + raw.line;
            if (line > provenSeq && !fromStart && known === undefined) {
              const loaded = await this.#loadIds(index, provenSeq);
              known = new ProvenIds(loaded, provenSeq);
              prints = new Fingerprints(idsBlock, loaded, provenSeq);
            }
            let entry: LogEntry | null;
            try {
              entry = checker.check(raw);
            } catch (error) {
              entry = await checkSettling(checker, raw, error, async (id) => {
                settled.set(id, await this.#settle(id, proven as CacheMark));
              });
            }
            if (entry === null) continue;
            const { event } = entry;
            if (until !== undefined && event.seq > until) stop = 'until';
            else if (limit !== undefined && Date.parse(event.at) > limit) stop = 'at';
            else {
              entries.push(entry);
              continue;
            }
            yield entries;
            return;
          }
        } catch (error) {
          if (entries.length > 0) yield entries;
          throw error;
        }
        yield entries;
      }
    }.call(this);
    /**
     * What the run does at a checkpoint's event: link one the cache has, or write a new one, and
     * pass on the ids' fingerprints. Apart from the loop below, which stays small enough for the
     * engine to inline the replayer's step into it.
     */
    const atCheckpoint = async (seq: number): Promise<void> => {
      if (!canWrite) return;
      if (links[0] !== undefined && links[0].bytes === lastEnd) {
        // A checkpoint the cache already has: the chain goes through it.
        (hasher as ChainHasher).mark(lastEnd);
        const link = links.shift() as Listed;
        // The last one is what this run's first new checkpoint may be written against.
        if (links.length < TAILS) {
          // Kept, and the replayer's account of the long lists starts here for the next one.
          const { state, lists } = replayer.checkpoint(true);
          this.#noteReplaced(lists);
          account(lists);
          hold(link.seq, new HeldState(state));
          if (links.length === 0) previous = { seq: link.seq, state };
        }
      } else if (seq % every === 0 && seq > provenSeq && (seq % spread === 0 || nearEnd(seq))) {
        // Linked into the chain only once written: a checkpoint left out leaves no trace.
        const mark = markAt(lastEnd, seq);
        const keep = mayBeTail(seq);
        // Never sealed: a state held for a tail shares the lists with the replay (HeldState).
        const taken = replayer.checkpoint(false);
        this.#noteReplaced(taken.lists);
        account(taken.lists);
        const written = await this.#checkpoint(
          mark,
          taken,
          previous,
          [...verified.checkpoints, ...added],
          share,
        );
        if (written === undefined) {
          // One file that cannot be written (a folder at its name) is skipped; a disk that
          // takes none stops the writing. The lists' edits since the last one listed went
          // with it: the next checkpoint holds a whole state.
          previous = undefined;
          if (++failures >= 3) canWrite = false;
        } else {
          (hasher as ChainHasher).mark(lastEnd);
          added.push(written);
          previous = { seq, state: taken.state };
          if (keep) hold(seq, new HeldState(taken.state, PROJECTION_LISTS));
          failures = 0;
        }
      }
      if (idsOut !== undefined && prints !== undefined && seq % every === 0) {
        const full = prints.takeFull(seq);
        if (full.length > 0) {
          await idsOut.write(full);
          prints.giveBack(full);
        }
      }
    };
    // The next seq at which a checkpoint may be linked or written: a multiple of `every`, or
    // the seq of the next checkpoint the cache already has (which need not be one).
    const nextStop = (seq: number): number => {
      const linked = links[0]?.seq ?? Number.POSITIVE_INFINITY;
      return Math.min(linked, (Math.floor(seq / every) + 1) * every);
    };
    let next = nextStop(start.seq);
    try {
      for await (const entries of checked) {
        // By index: an array's iterator, across the awaits below, made a result object per event.
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i] as LogEntry;
          const { event } = entry;
          replayer.apply(event, entry.line);
          const waiting = onEvent?.(entry, replayer);
          if (waiting !== undefined) await waiting;
          latest.see(event.at);
          lastStart = lastEnd;
          lastEnd = start.bytes + entry.end;
          lastSeq = event.seq;
          this.#limits.onProgress?.(lastSeq, lastEnd);
          // Only the bytes since the last line stay held, however far apart the checkpoints.
          if ((lastSeq & 255) === 0) hasher?.hashTo(lastStart);
          if (lastSeq >= next) {
            await atCheckpoint(lastSeq);
            next = nextStop(lastSeq);
          }
        }
      }
      stoppedBy = stop;
    } catch (error) {
      failure = lineTooLongAsValidation(error, file);
    }
    // No id is checked from here on: the indexes are let go before the cache's end is written.
    fresh = undefined;
    known = undefined;
    settled.clear();
    this.#limits.onRead?.();

    // Record what this run proved when it goes further than the cache did, or cut the cache back.
    try {
      const lastIds = prints !== undefined && prints.length >= lastSeq && prints.views(lastSeq);
      if (canWrite && lastSeq > provenSeq && lastIds) {
        const end = markAt(lastEnd, lastSeq);
        const checkpoints = [...verified.checkpoints, ...added];
        const idsFile = await idsOut?.finish(lastIds, lastSeq);
        const tails = await this.#tails(checkpoints, held, index?.tails ?? [], () =>
          account(replayer.checkpoint(false).lists),
        );
        if (idsFile !== undefined) {
          await writeCacheIndex(
            access,
            {
              format: 'truce-cache',
              version: CACHE_VERSION,
              replayVersion: REPLAY_SNAPSHOT_VERSION,
              shape: replayShape(),
              log: await this.#fingerprintNow(),
              checkpoints,
              tails,
              end,
              ids: idsFile,
            },
            index !== undefined && !verified.whole,
          );
        }
      } else if (writable && index !== undefined && !verified.whole) {
        await this.#cutBack(verified.checkpoints, index);
      } else if (writable && index !== undefined && verified.rehashed) {
        await this.#refresh(index);
      }
    } finally {
      // The temp file made ahead for a checkpoint that did not come.
      await closeNextFile(access);
    }
    // An ids file not finished leaves no file.
    await idsOut?.abort();
    if (failure !== undefined) throw failure;
    const instant = asOf ?? at;
    return {
      report: replayer.report(instant === undefined ? {} : { asOf: instant }),
      events: replayer.seq,
      stoppedBy,
      replayer,
    };
  }

  /**
   * Writes a checkpoint at `mark`: the edits since the last one listed when its state is at
   * hand, or the whole state when there is none, or when the edits since the last whole state
   * add up to half its size and the log since it is large enough beside it (`share`).
   */
  async #checkpoint(
    mark: CacheMark,
    { state, lists }: Taken,
    previous: { seq: number; state: ReplaySnapshot } | undefined,
    list: readonly Listed[],
    share: number,
  ): Promise<Listed | undefined> {
    const chain = chainOf(list);
    const last = list.at(-1);
    const whole =
      previous === undefined ||
      last === undefined ||
      previous.seq !== last.seq ||
      (chain.edits * 2 >= chain.whole && chain.whole <= share * (mark.bytes - chain.at));
    const common = { seq: mark.seq, bytes: mark.bytes, hash: mark.hash };
    const from = whole ? null : (last as Listed).seq;
    const written = await writeCacheCheckpoint(
      this.#access,
      from === null
        ? { ...common, from, replay: state }
        : {
            ...common,
            from,
            edits: [
              ...stateDelta((previous as { state: ReplaySnapshot }).state, state, isList),
              ...listEdits(lists),
            ],
          },
      false,
      // Another checkpoint, a tail or the index follows: its file is made while the replay goes on.
      true,
      from === null ? this.#reuse(state) : undefined,
    );
    if (written === undefined) return undefined;
    if (written.texts !== undefined) {
      this.#texts = written.texts;
      this.#replaced.clear();
    }
    return { ...mark, file: written.file, fileHash: written.fileHash, size: written.size, from };
  }

  /** Notes the long lists' entries a checkpoint's account says were replaced. */
  #noteReplaced(lists: Taken['lists']): void {
    for (const { list, index, was } of lists) {
      if (was === undefined) continue;
      const indexes = this.#replaced.get(list) ?? new Set<number>();
      this.#replaced.set(list, indexes);
      indexes.add(index);
    }
  }

  /** What a whole state of `state` may copy from the last whole state this run wrote. */
  #reuse(state: ReplaySnapshot): ListReuse {
    const projection = state.projection as unknown as Record<string, unknown>;
    const lists = new Map<string, readonly unknown[]>();
    for (const name of PROJECTION_LISTS) {
      const items = projection[name];
      if (Array.isArray(items)) lists.set(name, items);
    }
    return {
      block: this.#limits.listBlock,
      lists,
      from: this.#texts,
      replaced: this.#replaced,
    };
  }

  /**
   * The whole state of the checkpoint before the last when it holds only edits ({@link TAILS}):
   * the one the index had if still of it, else written from the state this run holds for it.
   */
  async #tails(
    checkpoints: readonly Listed[],
    held: ReadonlyMap<number, HeldState>,
    had: CacheIndex['tails'],
    /** Gives the held states the replayer's account of its lists since the last checkpoint. */
    settle: () => void,
  ): Promise<CacheIndex['tails']> {
    const before = checkpoints.at(-2);
    if (before === undefined || before.from === null) return [];
    const kept = had.find((t) => t.seq === before.seq);
    if (kept !== undefined) return [kept];
    const heldState = held.get(before.seq);
    if (heldState === undefined) return [];
    if (heldState.shared) settle();
    const state = heldState.state();
    const { seq, bytes, hash } = before;
    const written = await writeCacheCheckpoint(
      this.#access,
      { seq, bytes, hash, from: null, replay: state },
      true,
      true,
      this.#reuse(state),
    );
    return written
      ? [{ seq, file: written.file, fileHash: written.fileHash, size: written.size }]
      : [];
  }

  /**
   * The state of the last checkpoint of `index` that a replay would resume from (its last line
   * read back first), read before the index is proven: null when that line does not hold. An
   * error is kept and thrown where the state is used, as if it had been read there.
   */
  #readEarly(
    index: CacheIndex,
    wanted: (mark: Listed) => boolean,
  ): { at: number; loaded: Promise<() => LoadedState | null> } | undefined {
    const at = index.checkpoints.findLastIndex(wanted);
    const mark = index.checkpoints[at];
    if (mark === undefined) return undefined;
    const read = async (): Promise<LoadedState | null> => {
      if (!(await lastLineHolds(this.#handle, mark, this.#limits.size))) return null;
      this.#limits.onResume?.(mark.seq, mark.bytes);
      return loadCheckpointState(
        this.#access,
        index.checkpoints,
        at,
        index.tails,
        this.#limits.memo,
      );
    };
    return {
      at,
      loaded: read().then(
        (state) => () => state,
        (error: unknown) => () => {
          throw error;
        },
      ),
    };
  }

  /** The fingerprints of the ids of events 1..provenSeq, from the cache's ids file. */
  async #loadIds(index: CacheIndex | undefined, provenSeq: number): Promise<Uint32Array> {
    const loaded = index && (await readCacheIds(this.#access, index.ids, provenSeq));
    if (loaded === undefined) throw new CacheMiss('the ids');
    return loaded;
  }

  /**
   * The line of the proven part (up to `proven`) whose event has this id, or undefined: read
   * from the log itself, so a shared fingerprint is never taken for a repeated id.
   */
  async #settle(id: string, proven: CacheMark): Promise<number | undefined> {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
    const chunks = chunksOf(this.#handle, 0, proven.bytes, (error) => error as Error);
    for await (const raw of splitLines(chunks, { maxLineBytes: DEFAULT_MAX_LINE_BYTES })) {
      try {
        const value = JSON.parse(decoder.decode(raw.bytes)) as { id?: unknown };
        if (value.id === id) return raw.line;
      } catch {
        // Not an event: the proven part has none such, and it cannot hold the id.
      }
    }
    return undefined;
  }

  /** The log's fingerprint now, if it did not change while it was read; else null. */
  async #fingerprintNow(): Promise<LogFingerprint | null> {
    try {
      const now = fingerprintOf(await this.#handle.stat({ bigint: true }));
      return sameFingerprint(this.#limits.before, now) ? now : null;
    } catch {
      return null;
    }
  }

  /**
   * Records the log's fingerprint as it is now in an index all of whose marks the log's prefix,
   * hashed again, still holds: the next query reads back the last lines instead of hashing the
   * whole log again. The fingerprint of the log had changed without its prefix changing (an
   * append, or only its metadata: a new hard link or `chmod` changes its change time), and a
   * query that does not extend the cache would otherwise hash the log at every run. Only if the
   * log did not change during this run, and the index is still the one this run read (a newer
   * one another writer put there is left as it is); and not when the index already records the
   * log as it is (its prefix was hashed again only because a last line did not read back):
   * there would be nothing new to write.
   */
  async #refresh(index: CacheIndex): Promise<void> {
    const log = await this.#fingerprintNow();
    if (log === null || sameFingerprint(index.log, log)) return;
    const current = await readCacheIndex(this.#access);
    if (current?.checksum !== index.checksum) return;
    const { checksum: _checksum, ...body } = index;
    await writeCacheIndex(this.#access, { ...body, log });
  }

  /** Rewrites the index with only the checkpoints that still hold (none: no index). */
  async #cutBack(checkpoints: readonly Listed[], index: CacheIndex): Promise<void> {
    const last = checkpoints.at(-1);
    if (last === undefined) {
      await this.#access.fs.unlink(join(this.#access.dir, 'index.json')).catch(() => undefined);
      return;
    }
    const { file: _file, fileHash: _hash, size: _size, from: _from, ...mark } = last;
    await writeCacheIndex(
      this.#access,
      {
        format: 'truce-cache',
        version: CACHE_VERSION,
        replayVersion: REPLAY_SNAPSHOT_VERSION,
        shape: replayShape(),
        log: null,
        checkpoints: [...checkpoints],
        tails: index.tails.filter((t) =>
          checkpoints
            .slice(-TAILS)
            .map((c) => c.seq)
            .includes(t.seq),
        ),
        end: mark,
        ids: index.ids,
      },
      true,
    );
  }
}
