import type { Hash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Actor, createActor, type InspectionEvent, type Observer } from 'xstate';
import {
  fileChunks,
  IdIndex,
  type IdLookup,
  type LogEntry,
  RejectedEventError,
  type ResumePoint,
  readLog,
  readLogBatches,
  StoreError,
  type TruceEvent,
  ValidationError,
} from '../events/index.js';
import { type DealMachine, dealMachine } from '../machines/index.js';
import type { ReplayReport } from '../projections/index.js';
import { Replayer, type ReplaySnapshot } from '../replay/index.js';
import { type CachedReplayOptions, replayLogCached } from '../store/cachedReplay.js';
import {
  CheckpointMemo,
  fingerprintOf,
  type LogFingerprint,
  sameFingerprint,
} from '../store/checkpointCache.js';
import { committedEnd } from '../store/committedSize.js';
import type { LogSource } from '../store/logSource.js';
import { createHash } from '../store/nodeCrypto.js';
import { machineGraph } from './graph.js';
import { changedLeaves, cutLists } from './keyPaths.js';
import {
  CHANGES_SHOWN,
  LIST_KEPT,
  type LogView,
  type ProblemView,
  STEP_WINDOW,
  type StepReportView,
  type StepView,
} from './protocol.js';
import { type StepRow, StepTable } from './stepTable.js';

/** Options of {@link LogSession}. */
export interface LogSessionOptions {
  /** Also receives every inspection event of the replaying actor (the Stately bridge). */
  inspect?: (event: InspectionEvent) => void;
  /** How often the file is polled in case `fs.watch` misses a change, in ms (250 by default). */
  pollMs?: number;
  /** Read the log from here (a PostgreSQL stream) instead of the file, and follow its appends. */
  source?: LogSource;
  /**
   * For a log read from `source` (a PostgreSQL stream): keep the replay state every this many
   * steps (64 by default) and rebuild a report between two from the nearest one. A log file's
   * reports come from its checkpoint cache (`LOG.truce-cache/`) instead, so the session keeps
   * no event and no replay state of its own.
   */
  checkpointEvery?: number;
  /**
   * For a `source` log: the most replay states kept ({@link SOURCE_CHECKPOINTS} by default).
   * Past it every other one is let go and the spacing doubles, so a long stream keeps a bounded
   * number, at most twice as far apart as the stream's length over this.
   */
  checkpointsKept?: number;
  /**
   * Told of each line read (how many so far, and the byte just past it), on every read of the
   * log: a progress line while a long log opens.
   */
  onRead?: (lines: number, bytes: number) => void;
  /** Passed on to the file's checkpoint cache (tests use small checkpoints). */
  cache?: Pick<
    CachedReplayOptions,
    'checkpointEvery' | 'checkpointSpread' | 'checkpointShare' | 'cacheMinBytes' | 'cache'
  >;
}

/** Called with what changed: the steps from `from` on and the current problem. */
export type LogListener = (delta: LogView) => void;

const graphIndex = machineGraph(dealMachine);

/** Figures that move at every step, not listed among its changes. */
const QUIET = new Set(['seq', 'at']);

/**
 * Whole reports kept after they were asked for: a step's and the one before it (what changed),
 * and the two of the step before or after, for a page stepping back and forth. A report of a
 * million events is 10–30 MB of heap: 32 of them, as kept until 5 December 2026, held 444 MB
 * after as many jumps across the log. Any other is replayed from the state the checkpoint memo
 * holds (tens of milliseconds near it) or from the cache.
 */
const RECENT_REPORTS = 4;

/**
 * The replay states a session of a `source` log keeps at most. Each is a hand-out of the
 * projections, whose long lists the replay copies at its next write: a state every 64 events of
 * a million-event stream grew the inspector past 4 GB within a minute of opening it.
 */
export const SOURCE_CHECKPOINTS = 128;

/**
 * One log replayed for the inspector: the steps with the transitions each took, the report
 * after every step (exactly `Replayer.report()`, what `truce replay --until k --json` prints),
 * and where the log stops. Follows the file as it grows when {@link LogSession.watch} is on.
 *
 * Memory: 28 bytes a step (its line, where the line ends, its states and its transitions, each
 * state path and list of transitions held once; a `source`'s also a 32-bit hash of its line)
 * and the latest 1,000 to 2,000 steps whole; an older step's event is read again from the log when asked
 * for ({@link LogSession.steps}). For a file also the ids of its steps and one running hash of
 * the bytes they came from (to prove them unchanged, read on after them, and read a window of
 * them again). A report is replayed on
 * demand from the nearest checkpoint of the log's checkpoint cache (a source's: of the states the
 * session keeps, through the events after it, read again), and the last 4 asked for are kept.
 *
 * @example
 * const session = new LogSession('deal.jsonl');
 * await session.refresh();
 * (await session.report(3))?.state; // 'negotiating.proposalOnTable'
 */
export class LogSession {
  readonly file: string;
  readonly #options: LogSessionOptions;
  readonly #listeners = new Set<LogListener>();
  #replayer!: Replayer;
  /**
   * An XState actor beside the replay, only for the Stately bridge (`inspect`), which shows the
   * actor's own inspection events; the transitions each step took come from the replay.
   */
  #tracer: Actor<DealMachine> | undefined;
  #taken: unknown[] = [];
  /**
   * The steps, a few numbers each, the latest whole. An older step's event is read again from the
   * log when asked for ({@link LogSession.steps}): a `source` log's line by its hash, which tells
   * it from a line rewritten meanwhile and a rewritten log at the next read; a file's bytes are
   * proven by {@link LogSession.#prefix} instead, and its steps hold no hash (hashing every
   * line's text took 0.5–0.9 s of the 6.3 s a million events took to open).
   */
  #table: StepTable;
  /**
   * For a log file: its bytes up to the end of the last step's line, hashed as they were read
   * (SHA-256, left open to go on), so that the next read proves them unchanged and reads on
   * from there instead of decoding every line again (3.9 s after an append to a million events).
   */
  #prefix: FilePrefix | undefined;
  /**
   * For a log file: a fingerprint it had when {@link #prefix}'s bytes were as hashed (taken just
   * before the read that hashed them, or before a proof of them): while the file's is the same,
   * nothing was written to it since.
   */
  #prefixSeen: LogFingerprint | undefined;
  /** For a log file: the ids of the steps, with their lines, for a read that goes on past them. */
  #ids = new IdIndex();
  /** For a `source` log only: the replay state after step `i × #spacing`. */
  #checkpoints: ReplaySnapshot[] = [];
  /** Steps between two of `#checkpoints`: `checkpointEvery`, doubled each time they are thinned. */
  #spacing = 64;
  /** The last reports asked for, newest last: a page stepping back and forth asks again. */
  readonly #recent = new Map<number, ReplayReport>();
  /** Reports being replayed, by revision and seq. */
  readonly #pending = new Map<string, Promise<ReplayReport | undefined>>();
  /**
   * A log file's last state read from its cache: stepping on near one checkpoint (the next
   * event, the one before) resumes from it without reading and parsing its files again.
   */
  readonly #memo = new CheckpointMemo();
  #problem: ProblemView | null = null;
  #revision = 0;
  #running: Promise<void> | null = null;
  #dirty = false;
  #restarted = false;
  #watcher: FSWatcher | null = null;
  #poll: NodeJS.Timeout | null = null;
  /** What the last poll saw of the log and its lock (null: no log); undefined before the first. */
  #lastLook: Look | null | undefined;
  #unwatch: Promise<(() => Promise<void>) | undefined> | null = null;

  constructor(file: string, options: LogSessionOptions = {}) {
    this.file = file;
    this.#options = options;
    this.#table = new StepTable({ hashes: options.source !== undefined });
    this.#reset();
  }

  /** The statechart this session replays through. */
  static get graph() {
    return graphIndex.graph;
  }

  /** The log's name as the page shows it: its file name, never where it lies on disk. */
  get name(): string {
    return basename(this.file);
  }

  /**
   * The log as it stands, as the server sends it (`GET /api/log`): how many steps (`count`),
   * the last {@link STEP_WINDOW} at most, whether each step moved the statechart (`moves`), and
   * the problem. The steps before those are {@link LogSession.steps}.
   */
  view(): LogView {
    return this.#window(0);
  }

  /** How many steps the log has. */
  get count(): number {
    return this.#table.count;
  }

  /**
   * Steps `start` to `end` (indexes; step `i` is event `i + 1`), at most {@link STEP_WINDOW} by
   * default. The latest are kept; older ones are read again from the log: a file's bytes proven
   * the same by its fingerprint or their SHA-256, a source's lines by their hashes. Undefined
   * when `start` is past the last step, or when the log was rewritten or changed meanwhile (the
   * session then reads it again, and its listeners hear).
   *
   * @example
   * const first = await session.steps(0, 10); // events 1 to 10
   */
  async steps(start: number, end = start + STEP_WINDOW): Promise<StepView[] | undefined> {
    const count = this.#table.count;
    if (!Number.isSafeInteger(start) || start < 0 || start > count) return undefined;
    const upto = Math.min(Math.max(start, Number.isSafeInteger(end) ? end : start), count);
    if (start >= this.#table.tailStart) return this.#table.kept(start, upto);
    const revision = this.#revision;
    const steps: StepView[] = [];
    const read = await this.#reread(start, upto, (entry, index, row) => {
      const { line, before, after, transitions } = row;
      steps.push({
        seq: index + 1,
        line,
        event: eventView(entry.event),
        before,
        after,
        transitions,
      });
    });
    if (!read || revision !== this.#revision) return undefined;
    return steps;
  }

  /** The view the server sends of the steps from `from` on: see {@link LogSession.view}. */
  #window(from: number): LogView {
    const count = this.#table.count;
    const start = Math.max(from, count - STEP_WINDOW);
    return {
      file: this.name,
      revision: this.#revision,
      from,
      count,
      start,
      steps: this.#table.kept(start),
      moves: this.#table.moves(from),
      problem: this.#problem,
    };
  }

  /**
   * Reads the lines of steps `start` to `end` again and hands each to `each`, having checked that
   * it is the line the step came from (its line number and seq; a file's bytes proven by
   * {@link #provenNow} and its fingerprint unchanged while read, a source's line by its hash).
   * False, having stopped, if the log no longer holds them (rewritten, cut short, unreadable): a
   * refresh is started, which finds out what it holds now.
   */
  async #reread(
    start: number,
    end: number,
    each: (entry: LogEntry, index: number, row: StepRow) => void,
  ): Promise<boolean> {
    if (start >= end) return true;
    const table = this.#table;
    const source = this.#options.source;
    let chunks: AsyncIterable<Uint8Array>;
    let resume: ResumePoint | undefined;
    // From the start of the log, the lines before `start` are read and passed over.
    let skip = 0;
    /** For a file: its fingerprint when its bytes were found as read (checked again after). */
    let seen: LogFingerprint | undefined;
    if (!source) {
      seen = await this.#provenNow(table.row(end - 1).end);
      if (seen === undefined) {
        void this.refresh();
        return false;
      }
      const from = start > 0 ? table.row(start - 1).end : 0;
      chunks = fileChunks(this.file, {
        chunkSize: FILE_CHUNK,
        name: this.file,
        ...(from > 0 ? { start: from } : {}),
        end: table.row(end - 1).end,
      });
      if (start > 0) resume = { line: table.row(start - 1).line, seq: start, ids: new IdIndex() };
    } else if (source.chunksAfter !== undefined && start > 0) {
      chunks = source.chunksAfter(start);
      resume = { line: table.row(start - 1).line, seq: start, ids: new IdIndex() };
    } else {
      chunks = source.chunks();
      skip = start;
    }
    let index = start - skip;
    try {
      reading: for await (const entries of readLogBatches(chunks, { file: this.file }, resume)) {
        for (const entry of entries) {
          if (index >= start) {
            const row = table.row(index);
            if (
              entry.line !== row.line ||
              entry.event.seq !== index + 1 ||
              (source !== undefined && lineHash(entry.text) !== row.hash)
            )
              break reading;
            each(entry, index, row);
          }
          if (++index === end) break reading;
        }
      }
    } catch {
      // Unreadable now: the log changed under the session.
    }
    // A file written to while its lines were read again: they may not be the proven ones.
    if (index === end && (seen === undefined || (await this.#stillSeen(seen)))) return true;
    void this.refresh();
    return false;
  }

  /** Whether the log file's fingerprint is still `seen`. */
  async #stillSeen(seen: LogFingerprint): Promise<boolean> {
    const now = await fingerprintNow(this.file);
    return now !== undefined && sameFingerprint(seen, now);
  }

  /**
   * The log file's fingerprint now, if its bytes up to `end` are still those the session read:
   * at once when nothing was written to it since the read that hashed them (its fingerprint is
   * the one seen just before that read), else by hashing them again (a fifth of a second for a
   * million events); undefined when they are not, or `end` is past what the session has hashed.
   */
  async #provenNow(end: number): Promise<LogFingerprint | undefined> {
    const prefix = this.#prefix;
    if (prefix === undefined || end > prefix.end) return undefined;
    const now = await fingerprintNow(this.file);
    if (now === undefined) return undefined;
    const seen = this.#prefixSeen;
    if (seen !== undefined && sameFingerprint(seen, now)) return now;
    if (!(await prefixHolds(this.file, prefix))) return undefined;
    // Proven at this fingerprint (taken before the proof): the next window need not hash again.
    if (this.#prefix === prefix) this.#prefixSeen = now;
    return now;
  }

  /**
   * The replay states the session holds for its reports (a `source` log's; a file's come from its
   * checkpoint cache): what its memory grows with besides one step a line.
   */
  get heldStates(): number {
    return this.#checkpoints.length;
  }

  /** The revision, bumped by every change of the steps or the problem. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The report after event `seq` (0: before any event), or `undefined` past the last step. Asked
   * again while it is being replayed, the same replay answers both (the first report of a long
   * log without its checkpoint cache builds the cache: seconds for a million events).
   */
  async report(seq: number): Promise<ReplayReport | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.#table.count) return undefined;
    const known = this.#recent.get(seq);
    if (known !== undefined) {
      this.#recent.delete(seq);
      this.#recent.set(seq, known);
      return known;
    }
    const key = `${this.#revision} ${seq}`;
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const replayed = this.#replayReport(seq);
    this.#pending.set(key, replayed);
    try {
      return await replayed;
    } finally {
      this.#pending.delete(key);
    }
  }

  /** {@link LogSession.report} replayed, from the file's cache or the source's kept states. */
  async #replayReport(seq: number): Promise<ReplayReport | undefined> {
    const revision = this.#revision;
    let report: ReplayReport;
    if (this.#options.source) {
      const replayed = await this.#fromSource(seq);
      if (replayed === undefined || revision !== this.#revision) return undefined;
      report = replayed;
    } else {
      try {
        ({ report } = await replayLogCached(this.file, {
          ...(this.#options.cache ?? {}),
          ...(await committedEnd(this.file)),
          until: seq,
          memo: this.#memo,
        }));
      } catch {
        // The file changed under us (rewritten, cut short): the next refresh shows it.
        return undefined;
      }
      // A file rewritten meanwhile: this report may be of the new file, which the page has not seen.
      if (revision !== this.#revision) return undefined;
    }
    this.#recent.set(seq, report);
    if (this.#recent.size > RECENT_REPORTS) {
      const oldest = this.#recent.keys().next().value as number;
      this.#recent.delete(oldest);
    }
    return report;
  }

  /**
   * What the page shows after event `seq` ({@link StepReportView} without the revision): the
   * report with its long lists cut to their latest entries, and what changed since `seq - 1`
   * on the whole reports. Undefined past the last step, or if the log changed meanwhile.
   */
  async stepReport(seq: number): Promise<Omit<StepReportView, 'revision'> | undefined> {
    const revision = this.#revision;
    const report = await this.report(seq);
    const before = seq > 1 ? await this.report(seq - 1) : undefined;
    if (report === undefined || (seq > 1 && before === undefined)) return undefined;
    if (revision !== this.#revision) return undefined;
    let changes: StepReportView['changes'] = null;
    if (before !== undefined) {
      // `seq` and `at` move at every step: they are shown above, not listed as changes.
      const all = changedLeaves(before, report).filter(
        ([path, , to]) => to === undefined || !QUIET.has(path),
      );
      changes = { shown: all.slice(0, CHANGES_SHOWN), total: all.length };
    }
    const { value, cut } = cutLists(report, LIST_KEPT);
    return { seq, report: value as ReplayReport, cut, changes };
  }

  /**
   * A `source` log's report after `seq`, replayed from its nearest state in memory through the
   * events after it, read again from the source; undefined if those lines changed meanwhile.
   */
  async #fromSource(seq: number): Promise<ReplayReport | undefined> {
    const every = this.#spacing;
    const base = Math.floor(seq / every);
    const from = this.#checkpoints[base];
    const replayer = new Replayer({ file: this.file, ...(from ? { from } : {}) });
    const read = await this.#reread(base * every, seq, (entry) => replayer.apply(entry.event));
    return read ? replayer.report() : undefined;
  }

  /** Registers a listener for changes; returns its removal. */
  subscribe(listener: LogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the log and applies what is new; concurrent calls coalesce into one more run. */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#dirty = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#dirty = false;
          await this.#read();
        } while (this.#dirty);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  /** Follows the file: `fs.watch` for speed, polling for file systems where it is silent. */
  watch(): void {
    const source = this.#options.source;
    if (source) {
      this.#unwatch ??= source.watch(() => void this.refresh()).catch(() => undefined);
      return;
    }
    if (this.#poll) return;
    try {
      this.#watcher = watch(this.file, { persistent: false }, () => void this.refresh());
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch {
      this.#watcher = null;
    }
    this.#poll = setInterval(() => void this.poll(), this.#options.pollMs ?? 250);
    this.#poll.unref();
  }

  /** Stops following the file and the replaying actor. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
    void this.#unwatch?.then((stop) => stop?.());
    this.#unwatch = null;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
    this.#tracer?.stop();
    this.#listeners.clear();
  }

  /**
   * Looks at the log and its lock once, as the watch's timer does, and reads the log again if
   * either changed since the last look.
   */
  async poll(): Promise<void> {
    const log = await fingerprintNow(this.file);
    const look: Look | null =
      log === undefined ? null : { log, lock: await lockFingerprint(this.file) };
    const was = this.#lastLook;
    if (was !== undefined && sameLook(was, look)) return;
    this.#lastLook = look;
    await this.refresh();
  }

  /** Drops everything applied and has the refresh loop read the file again. */
  #restart(): void {
    this.#reset();
    this.#restarted = true;
    this.#dirty = true;
  }

  #reset(): void {
    this.#tracer?.stop();
    // A file's reports come from its checkpoint cache: its steps need the machine alone (a
    // million events open a seventh faster without the projections). A source's keep states.
    this.#replayer = new Replayer({ file: this.file, project: this.#options.source !== undefined });
    this.#taken = [];
    const forward = this.#options.inspect;
    if (forward) {
      const inspect: Observer<InspectionEvent> = { next: (event) => forward(event) };
      this.#tracer = createActor(dealMachine, { inspect });
      this.#tracer.start();
    } else this.#tracer = undefined;
    this.#table = new StepTable({ hashes: this.#options.source !== undefined });
    this.#prefix = undefined;
    this.#prefixSeen = undefined;
    this.#ids = new IdIndex();
    this.#checkpoints = this.#options.source ? [this.#replayer.snapshot()] : [];
    this.#spacing = Math.max(1, this.#options.checkpointEvery ?? 64);
    this.#recent.clear();
    // The state of the file as it was: its checkpoints are not the new file's.
    this.#memo.clear();
  }

  async #read(): Promise<void> {
    const before = { count: this.#table.count, problem: JSON.stringify(this.#problem) };
    let from = this.#table.count;
    let index = 0;
    let problem: ProblemView | null = null;
    let entry: LogEntry | undefined;
    /** A file's read: its bytes hashed as its lines are applied, and the ids they bring. */
    let read: HashedRead | undefined;
    /** A file's fingerprint just before it was read. */
    let seen: LogFingerprint | undefined;
    let ids: IdsRead | undefined;
    try {
      const source = this.#options.source;
      // A stream's lines never change once written: with no problem standing, only those after
      // the last step are read (a million-event stream was read whole at every append).
      const after = source?.chunksAfter !== undefined && this.#problem === null ? from : 0;
      index = after;
      let log: AsyncIterable<LogEntry>;
      if (!source) {
        // A file's bytes up to its last step's line are proven unchanged by their hash, and the
        // read goes on from there; anything else (the bytes changed, the line had no newline)
        // is read again from the first line, as a new file.
        // Seen before the bytes are proven and read: a write after it changes the fingerprint.
        seen = await fingerprintNow(this.file);
        const prefix = this.#prefix;
        const last = this.#table.count > 0 ? this.#table.row(this.#table.count - 1) : undefined;
        const resume = prefix?.newline && last !== undefined ? prefix : undefined;
        if (
          last !== undefined &&
          (resume === undefined || !(await prefixHolds(this.file, resume)))
        ) {
          this.#restart();
          return;
        }
        index = this.#table.count;
        // Stop where a writer holding the lock began, so an append in progress is not shown torn.
        const { end } = await committedEnd(this.file);
        const start = resume?.end ?? 0;
        read = new HashedRead(
          start,
          resume?.hash ?? createHash('sha256'),
          resume?.newline ?? false,
        );
        ids = new IdsRead(this.#ids);
        log = readLog(
          read.pass(
            fileChunks(this.file, {
              chunkSize: FILE_CHUNK,
              name: this.file,
              ...(start > 0 ? { start } : {}),
              ...(end === undefined ? {} : { end }),
            }),
          ),
          { file: this.file },
          { line: last?.line ?? 0, seq: index, ids },
        );
      } else {
        log =
          source.chunksAfter !== undefined && after > 0
            ? readLog(
                source.chunksAfter(after),
                { file: source.name },
                { line: after, seq: after, ids: new IdIndex() },
              )
            : readLog(source.chunks(), { file: source.name });
      }
      const onRead = this.#options.onRead;
      const at = read?.start ?? 0;
      for await (entry of log) {
        onRead?.(index + 1, at + entry.end);
        if (index < this.#table.count) {
          if (this.#table.row(index).hash !== lineHash(entry.text)) {
            // The file was rewritten under us: replay it again from the start.
            this.#restart();
            return;
          }
          index++;
          continue;
        }
        this.#apply(entry, at + entry.end);
        // What a later read goes on from: this line's bytes hashed, its id kept.
        read?.to(at + entry.end);
        ids?.keep(entry.event.id);
        index++;
      }
      if (index < this.#table.count) {
        this.#restart();
        return;
      }
    } catch (error) {
      problem = problemOf(error, entry);
      if (index < this.#table.count) {
        // A line applied before is now unreadable: the file was rewritten.
        this.#restart();
        return;
      }
    } finally {
      this.#problem = problem;
      if (read !== undefined && this.#table.count > 0) {
        this.#prefix = read.prefix();
        this.#prefixSeen = seen;
      }
    }
    if (this.#restarted) from = 0;
    const changed =
      this.#restarted ||
      from < before.count ||
      this.#table.count !== before.count ||
      JSON.stringify(problem) !== before.problem;
    this.#restarted = false;
    if (!changed) return;
    this.#revision++;
    const delta = this.#window(from);
    for (const listener of this.#listeners) listener(delta);
  }

  /** Applies a line read, which ends at byte `end` of a log file. */
  #apply(entry: LogEntry, end: number): void {
    const before = this.#replayer.state;
    // The machine's own transitions, as XState names them (a property holds the executor's
    // equal to the actor's microsteps); the graph gives each its id.
    const taken = this.#taken;
    taken.length = 0;
    this.#replayer.apply(entry.event, entry.line, taken);
    this.#tracer?.send(entry.event);
    const ids: string[] = [];
    for (const def of taken) {
      const id = graphIndex.idOf.get(def);
      if (id !== undefined) ids.push(id);
    }
    // The table keeps one list for each way through the chart (75 among 100,000 generated
    // events), not a list a step, and the step as numbers once it leaves the latest few.
    const step: StepView = {
      seq: entry.event.seq,
      line: entry.line,
      event: eventView(entry.event),
      before,
      after: this.#replayer.state,
      transitions: this.#table.transitions(ids),
    };
    // A file's lines are proven by the hash of its bytes (#provenNow), a source's by their own.
    this.#table.push(step, end, this.#options.source ? lineHash(entry.text) : undefined);
    if (!this.#options.source) return;
    if (this.#table.count % this.#spacing !== 0) return;
    this.#checkpoints.push(this.#replayer.snapshot());
    if (
      this.#checkpoints.length > Math.max(2, this.#options.checkpointsKept ?? SOURCE_CHECKPOINTS)
    ) {
      // Keep those after a multiple of twice the spacing (the first, after step 0, among them).
      this.#checkpoints = this.#checkpoints.filter((_, i) => i % 2 === 0);
      this.#spacing *= 2;
    }
  }
}

/**
 * What a poll compares: the log's fingerprint and its lock's. A write changes a file's
 * fingerprint (its change time cannot be set back), so a line rewritten in place, its size and
 * modification time kept, is read again.
 */
interface Look {
  log: LogFingerprint;
  lock: LogFingerprint | null;
}

function sameLook(a: Look | null, b: Look | null): boolean {
  if (a === null || b === null) return a === b;
  if (!sameFingerprint(a.log, b.log)) return false;
  return a.lock === null || b.lock === null ? a.lock === b.lock : sameFingerprint(a.lock, b.lock);
}

/**
 * The fingerprint of the log's lock, null when there is none: a read made while a writer held
 * the lock stops where the writer recorded (its line may be written but not yet acknowledged),
 * and nothing in the log itself changes when the writer then records its new end or lets go.
 * Without this, a poll that fell between the write and the release would never read that line.
 */
async function lockFingerprint(file: string): Promise<LogFingerprint | null> {
  try {
    return fingerprintOf(await stat(`${await realpath(file)}.lock`, { bigint: true }));
  } catch {
    return null;
  }
}

/** FNV-1a of a line's text, 32 bits: enough to notice a line that changed. */
function lineHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function eventView(event: TruceEvent): StepView['event'] {
  const { seq, id, type, at, data, source } = event;
  return source === undefined ? { seq, id, type, at, data } : { seq, id, type, at, data, source };
}

function problemOf(error: unknown, entry: LogEntry | undefined): ProblemView {
  if (error instanceof RejectedEventError) {
    return {
      kind: 'rejected',
      line: error.position.line,
      message: error.message,
      state: error.state,
      reason: error.reason,
      code: error.rule,
      ...(entry ? { event: eventView(entry.event) } : {}),
    };
  }
  if (error instanceof ValidationError) {
    return {
      kind: error.torn ? 'torn' : 'invalid',
      line: error.position.line,
      message: error.message,
      code: error.rule,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: error instanceof StoreError ? 'io' : 'invalid', line: 0, message };
}

/** Bytes a session reads from a log file at a time. */
const FILE_CHUNK = 1 << 20;

/** A log file's bytes up to the end of a step's line, hashed as they were read. */
interface FilePrefix {
  /** The byte just past the line. */
  end: number;
  /** SHA-256 of bytes `[0, end)`, not yet finished: a read past `end` goes on feeding it. */
  hash: Hash;
  /** Whether the line ends in a newline: a read that goes on after one without would differ. */
  newline: boolean;
}

/**
 * The chunks of a file's read from `start`, passed on to the reader and hashed up to the end of
 * each line applied ({@link HashedRead.to}): the hash is of the very bytes whose lines became
 * steps, never of bytes read again later. Chunks are held only until hashed.
 */
class HashedRead {
  readonly start: number;
  readonly #hash: Hash;
  readonly #held: Uint8Array[] = [];
  /** The offset of the first held chunk's first byte. */
  #heldFrom: number;
  #hashedTo: number;
  #lastByte = -1;

  /** `newline`: whether the bytes hashed before `start` end in one. */
  constructor(start: number, hash: Hash, newline: boolean) {
    this.start = start;
    this.#hash = hash;
    this.#heldFrom = start;
    this.#hashedTo = start;
    this.#lastByte = newline ? 0x0a : -1;
  }

  async *pass(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      this.#held.push(chunk);
      yield chunk;
    }
  }

  /** Hashes the bytes up to offset `end`, which the reader has passed. */
  to(end: number): void {
    while (this.#hashedTo < end && this.#held.length > 0) {
      const chunk = this.#held[0] as Uint8Array;
      const from = this.#hashedTo - this.#heldFrom;
      const upto = Math.min(end - this.#heldFrom, chunk.length);
      this.#hash.update(chunk.subarray(from, upto));
      this.#lastByte = chunk[upto - 1] as number;
      this.#hashedTo = this.#heldFrom + upto;
      if (upto === chunk.length) {
        this.#held.shift();
        this.#heldFrom += chunk.length;
      }
    }
  }

  /** The prefix hashed so far, for the next read to prove and go on from. */
  prefix(): FilePrefix {
    return { end: this.#hashedTo, hash: this.#hash, newline: this.#lastByte === 0x0a };
  }
}

/**
 * The ids a read goes on checking against: a session's own, and those of the lines this read
 * checked. Only the ids of lines that became steps are kept ({@link IdsRead.keep}); a line
 * refused after its id was checked (the statechart rejected it) leaves its id out, so a read
 * that goes on later meets that line as new.
 */
class IdsRead implements IdLookup {
  readonly #ids: IdIndex;
  readonly #read = new Map<string, number>();

  constructor(ids: IdIndex) {
    this.#ids = ids;
  }

  firstLine(id: string): number | undefined {
    return this.#read.get(id) ?? this.#ids.firstLine(id);
  }

  add(id: string, line: number): void {
    this.#read.set(id, line);
  }

  keep(id: string): void {
    const line = this.#read.get(id);
    if (line === undefined) return;
    this.#ids.add(id, line);
    this.#read.delete(id);
  }
}

/** The file's fingerprint now; undefined when it cannot be had (gone, unreadable). */
async function fingerprintNow(file: string): Promise<LogFingerprint | undefined> {
  try {
    return fingerprintOf(await stat(file, { bigint: true }));
  } catch {
    return undefined;
  }
}

/** Whether the file's bytes `[0, prefix.end)` are still those hashed into `prefix`. */
async function prefixHolds(file: string, prefix: FilePrefix): Promise<boolean> {
  const hash = createHash('sha256');
  let length = 0;
  try {
    for await (const chunk of fileChunks(file, {
      chunkSize: FILE_CHUNK,
      reuseBuffers: true,
      end: prefix.end,
    })) {
      hash.update(chunk);
      length += chunk.length;
    }
  } catch {
    return false;
  }
  return length === prefix.end && hash.digest('hex') === prefix.hash.copy().digest('hex');
}
