import type { Pool, PoolClient } from 'pg';
import {
  buildCompleteReadLogOptions,
  DEFAULT_MAX_LINE_BYTES,
  LogChecker,
  readLogBatches,
  StoreError,
  splitLines,
  TruceError,
  type TruceEvent,
} from '../../events/index.js';
import {
  REPLAY_SNAPSHOT_VERSION,
  Replayer,
  type ReplayStart,
  replayLog,
  resumeReplayer,
} from '../../replay/index.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadOptions,
} from '../eventStore.js';
import type { LogSource } from '../logSource.js';
import { type LogState, leftDirty, prepareAppend } from '../prepareAppend.js';
import { PgConnection } from './pgConnection.js';
import { isConnectionLost, type PgAction, pgStoreError } from './pgErrors.js';
import { bare, PAGE, pageEnd, type Row, rowOf, writeRows } from './pgRows.js';
import {
  advanceStreamState,
  CHECKPOINT_EVERY,
  LATEST_AT_UP_TO,
  type LockedStream,
  loadStreamState,
  type SnapshotRow,
  STORE_CHECKPOINT,
  type StreamRef,
  type StreamState,
  storeCheckpointWhenDue,
  usableSnapshot,
} from './pgState.js';
import { listen } from './pgWatch.js';
import { parseStoreUrl, type StoreUrl } from './storeUrl.js';
import { parseStreamName } from './streamName.js';

export { NOTIFY_CHANNEL } from './pgWatch.js';

export interface PostgresEventStoreOptions {
  /** The database: a `postgresql://` URL (checked with `parseStoreUrl`). */
  url: string | StoreUrl;
  /** The stream (one negotiation's log) this store reads and appends to. */
  stream: string;
  /** A pool to share between stores; the store makes its own (and closes it) otherwise. */
  pool?: Pool;
  /** What the batch is called in error messages (`the batch` by default). */
  batchName?: string;
  /** Where waiting notes go; stderr by default. */
  warn?: (message: string) => void;
  /** Store the replay state once this many events lie past the last one stored (256). */
  snapshotEvery?: number;
  /**
   * Keep the replay state as a checkpoint for time travel each time the head passes a multiple
   * of this many events ({@link CHECKPOINT_EVERY}; tests use fewer).
   */
  checkpointEvery?: number;
  /** How long an append waits for another append's lock on the stream, in ms (30 s). */
  lockTimeoutMs?: number;
  /** How long to wait for a connection, in ms (10 s). */
  connectTimeoutMs?: number;
}

/** Stored checkpoints {@link PostgresEventStore.replayStart} reads before it gives up on them. */
const CHECKPOINT_TRIES = 4;

/** Events of a file {@link PostgresEventStore.importLog} checks and writes at a time. */
export const IMPORT_BATCH = 10_000;

/** Options of {@link PostgresEventStore.importLog}. */
export interface ImportOptions {
  /** The file's name in messages. */
  file: string;
  /** Events checked and written at a time ({@link IMPORT_BATCH}; tests use fewer). */
  batch?: number;
  /** Told how far the import is: the file's lines read as events, and the bytes read. */
  onProgress?: (events: number, bytes: number) => void;
}

/** Options of {@link PostgresEventStore.fillCheckpoints}. */
export interface FillCheckpointsOptions {
  /**
   * Told how far the replay is: the events replayed since it went on from a checkpoint (or the
   * first event), out of those it has to replay.
   */
  onProgress?: (events: number, total: number) => void;
}

/** What {@link PostgresEventStore.fillCheckpoints} did. */
export interface FillCheckpointsResult {
  /** The seqs of the checkpoints stored now, in order (empty when none was missing). */
  stored: number[];
  /** Where the replay went on from: a stored checkpoint's seq, or 0 for the first event. */
  from: number;
  /** The stream's head when the fill began. */
  head: number;
}

/** What {@link PostgresEventStore.importLog} did. */
export interface ImportResult {
  /** Lines of the file the stream already held (a re-run, or a file that grew). */
  skipped: number;
  /** Events written now. */
  written: number;
  /** The stream's last seq after the import. */
  head: number;
}

/**
 * Every stream of a database with at least one event, by name, with its head: what `truce db
 * migrate` stores missing checkpoints for. Failures are the store's one-sentence errors.
 *
 * @example
 * for (const { name } of await listStreams(parseStoreUrl(url))) console.log(name);
 */
export async function listStreams(
  url: StoreUrl,
  options: { connectTimeoutMs?: number } = {},
): Promise<Array<{ name: string; head: number }>> {
  const db = new PgConnection(url, options);
  try {
    const rows = await db.query<{ name: string; head: string }>(
      'read',
      'SELECT name, head FROM truce.streams WHERE head > 0 ORDER BY name',
      [],
    );
    return rows.map((row) => ({ name: row.name, head: Number(row.head) }));
  } finally {
    await db.close();
  }
}

/**
 * An {@link EventStore} in PostgreSQL: one stream (a negotiation's log) of a database that
 * several people and machines share. The same promises as the file store:
 *
 * - an append is one transaction: the stream's row is locked (`SELECT … FOR UPDATE`), the
 *   expected version is compared with its head under that lock, the batch is checked against
 *   the deal statechart (`prepareAppend`, as the file store does), then written; any failure,
 *   a lost connection included, rolls it back whole;
 * - an event whose id the stream already holds is not written again: its seq is reported;
 * - each event keeps its log line exactly as written or imported, so `export` gives back the
 *   imported file byte for byte, and reads decode the lines as the file reader does;
 * - readers never wait for writers; every append `NOTIFY`s {@link NOTIFY_CHANNEL}.
 *
 * Run `truce db migrate` (or {@link migrate}) once per database first. `pg` is loaded on first use.
 *
 * @example
 * const store = new PostgresEventStore({ url: 'postgresql://localhost/truce', stream: 'nov-2023' });
 * await store.append([event], { expectedVersion: await store.head() });
 * await store.close();
 */
export class PostgresEventStore implements EventStore {
  readonly url: StoreUrl;
  readonly stream: string;
  /** The stream's name in messages: `stream NAME`. */
  readonly name: string;
  readonly #options: PostgresEventStoreOptions;
  readonly #checkpointEvery: number;
  readonly #warn: (message: string) => void;
  readonly #db: PgConnection;
  readonly #ref: StreamRef;
  #cached: StreamState | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PostgresEventStoreOptions) {
    this.url = typeof options.url === 'string' ? parseStoreUrl(options.url) : options.url;
    this.stream = parseStreamName(options.stream);
    this.name = `stream ${this.stream}`;
    this.#options = options;
    this.#checkpointEvery = Math.max(1, options.checkpointEvery ?? CHECKPOINT_EVERY);
    this.#warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    this.#db = new PgConnection(this.url, {
      ...(options.pool ? { pool: options.pool } : {}),
      ...(options.connectTimeoutMs === undefined
        ? {}
        : { connectTimeoutMs: options.connectTimeoutMs }),
    });
    this.#ref = { stream: this.stream, name: this.name, url: this.url };
  }

  /** Appends a batch, all or none, in one transaction; see {@link EventStore.append}. */
  append(events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const run = this.#queue.then(() =>
      this.#transaction(idsOf(events), async (client, locked) => {
        const ids = locked.ids;
        const expected = options.expectedVersion;
        if (expected !== undefined && expected !== locked.head) {
          // A conflict, or a retry of events already stored: no need to load the statechart,
          // which prepareAppend only reaches past its expected-version check.
          const log = { head: locked.head, ids, replayer: new Replayer() };
          const prepared = prepareAppend(log, events, { ...options, file: this.name });
          return {
            result: { seqs: prepared.seqs, written: 0, head: locked.head },
            state: undefined,
          };
        }
        const state = await this.#state(client, locked);
        for (const [id, seq] of ids) state.log.ids.set(id, seq);
        let prepared: ReturnType<typeof prepareAppend>;
        try {
          prepared = prepareAppend(state.log, events, {
            ...options,
            file: this.name,
            batchName: this.#options.batchName ?? 'the batch',
          });
        } catch (error) {
          if (leftDirty(error)) this.#cached = undefined;
          throw error;
        }
        if (prepared.events.length === 0) {
          return { result: { seqs: prepared.seqs, written: 0, head: locked.head }, state };
        }
        const lines = prepared.text.split('\n').slice(0, -1);
        await this.#write(
          client,
          prepared.events.map((event, i) => rowOf(event, `${lines[i]}\n`)),
          prepared.head,
          state,
        );
        return {
          result: { seqs: prepared.seqs, written: prepared.events.length, head: prepared.head },
          state,
        };
      }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Imports a log file into the stream in one transaction, keeping every line exactly (BOM,
   * CRLF, a last line without `\n`, unknown fields), so {@link lines} with `exact` gives the file
   * back byte for byte. The file is read as `truce validate` reads it and each event is checked
   * against the statechart. A stream that already holds the file's first lines gets only the
   * rest; one that holds anything else is a `CONCURRENCY_CONFLICT` (exit 3).
   *
   * `source` is the file's bytes, or its chunks as read: the file is read, checked and written
   * a part at a time ({@link ImportOptions.batch} events), so a long file is never held whole;
   * nothing is committed unless all of it is.
   *
   * @example
   * await store.importLog(createReadStream('deal.jsonl'), { file: 'deal.jsonl' });
   */
  importLog(
    source: Uint8Array | AsyncIterable<Uint8Array>,
    options: ImportOptions,
  ): Promise<ImportResult> {
    const run = this.#queue.then(() =>
      this.#transaction([], async (client, locked) => {
        const state = await this.#state(client, locked);
        const file = options.file;
        const batch = Math.max(1, options.batch ?? IMPORT_BATCH);
        const kept = new KeptLines(source instanceof Uint8Array ? once(source) : source);
        const stored = new StoredPrefix(client, this.stream, locked.head, (why) =>
          this.#conflict(locked.head, why),
        );
        let taken = 0;
        let skipped = 0;
        let head = locked.head;
        let pending: Row[] = [];
        const replayer = state.cache.replayer;
        const flush = async (last: boolean) => {
          const rows = pending;
          pending = [];
          if (last) await this.#write(client, rows, head, state);
          else {
            await writeRows(client, this.stream, rows, undefined);
            // A long import keeps its checkpoints as appends would (its snapshot comes at its end).
            await storeCheckpointWhenDue(
              client,
              this.#ref,
              state.cache,
              head,
              this.#checkpointEvery,
            );
          }
        };
        for await (const entries of readLogBatches(kept.chunks, { file })) {
          for (const entry of entries) {
            const line = kept.take(entry.end);
            taken++;
            if (taken <= locked.head) {
              await stored.match(taken, entry.text, file);
              skipped++;
              continue;
            }
            // The reader checked the line as a replay does (its format, its seq after the
            // stream's head, its id once in the file, whose first lines are the stream's): the
            // statechart alone is left, and a refusal names the file's line, as validate does.
            replayer.apply(entry.event, entry.line);
            head = entry.event.seq;
            pending.push(rowOf(entry.event, line));
          }
          if (pending.length >= batch) await flush(false);
          const last = entries.at(-1);
          if (last !== undefined) options.onProgress?.(taken, last.end);
        }
        if (taken < locked.head) {
          throw this.#conflict(locked.head, `${file} has only ${taken}`);
        }
        const written = head - locked.head;
        if (written > 0) await flush(true);
        state.log.head = head;
        return { result: { skipped, written, head }, state };
      }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Stores the checkpoints the stream lacks (`truce.checkpoints`, a cache that appends and
   * imports keep each time the head passes a multiple of {@link CHECKPOINT_EVERY}): its
   * history from before schema version 2, appends by a role that may not write the table, or
   * rows someone deleted. A stretch of {@link CHECKPOINT_EVERY} events up to the head with no
   * checkpoint of this truce's `REPLAY_SNAPSHOT_VERSION` in it gets one at its first seq, the
   * state of a strict replay of the events up to it (each line checked as a replay checks it,
   * each event by the statechart). The replay goes on from the latest usable checkpoint before
   * the first one missing, or from the first event, and stops at the last one missing. Each is
   * stored in a statement of its own as the replay passes it, so a fill cut short keeps what it
   * stored, and appends go on meanwhile. A stream whose events the statechart now refuses keeps
   * the checkpoints stored before the refused event, and the refusal is thrown.
   *
   * @example
   * const { stored } = await store.fillCheckpoints(); // [65536, 131072, …]
   */
  async fillCheckpoints(options: FillCheckpointsOptions = {}): Promise<FillCheckpointsResult> {
    const head = await this.head();
    const every = this.#checkpointEvery;
    // Each row's first bytes, not its state (`->>` parsed the whole of each: 1.6 s for the 15
    // of a million-event stream, against 0.3–0.6 s to decompress them).
    const rows = await this.#db.query<{ seq: string; head: string }>(
      'read',
      'SELECT seq, substr(replay::text, 1, 96) AS head FROM truce.checkpoints WHERE stream = $1',
      [this.stream],
    );
    const covered = new Set(
      rows
        .filter((row) => ofThisTruce(row.head, Number(row.seq)))
        .map((row) => Math.floor(Number(row.seq) / every)),
    );
    const missing: number[] = [];
    for (let seq = every; seq <= head; seq += every) {
      if (!covered.has(seq / every)) missing.push(seq);
    }
    const first = missing[0];
    const last = missing.at(-1);
    if (first === undefined || last === undefined) return { stored: [], from: 0, head };
    const start = await this.#fromCheckpoint({ until: first - 1 });
    const from = typeof start === 'string' ? undefined : start;
    const fromSeq = from?.seq ?? 0;
    const stored: number[] = [];
    const due = new Set(missing);
    const total = last - fromSeq;
    options.onProgress?.(0, total);
    await replayLog(this.lines({ from: fromSeq + 1, to: last }), {
      file: this.name,
      ...(from === undefined ? {} : { from }),
      until: last,
      onEvent: (entry, replayer) => {
        const seq = entry.event.seq;
        if (seq % 4096 === 0) options.onProgress?.(seq - fromSeq, total);
        if (!due.has(seq)) return undefined;
        return this.#storeCheckpoint(seq, JSON.stringify(replayer.snapshot())).then(() => {
          stored.push(seq);
        });
      },
    });
    options.onProgress?.(total, total);
    return { stored, from: fromSeq, head };
  }

  /** Stores the replay state at `seq` as a checkpoint, in a statement of its own. */
  async #storeCheckpoint(seq: number, text: string): Promise<void> {
    await this.#db.query('checkpoint', STORE_CHECKPOINT, [this.stream, seq, text]);
  }

  /** The error for a file that does not continue what the stream holds. */
  #conflict(head: number, why: string): TruceError {
    return new TruceError(
      'CONCURRENCY_CONFLICT',
      `${this.name} already holds ${head} ${head === 1 ? 'event' : 'events'} and ${why}; import into a new --stream`,
    );
  }

  /** Yields the stored events, from `from` on, as they stood when the read began. */
  async *read(options: ReadOptions = {}): AsyncGenerator<TruceEvent> {
    const from = Math.max(1, options.from ?? 1);
    const head = await this.head();
    if (from > head) return;
    const checker = new LogChecker(buildCompleteReadLogOptions({ file: this.name }), {
      line: from - 1,
      seq: from - 1,
      ids: { firstLine: () => undefined, add: () => undefined },
    });
    for await (const raw of splitLines(this.lines({ from, to: head }), {
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
    })) {
      // A blank line (none is ever stored) checks as null: nothing to yield.
      const entry = checker.check(raw);
      if (entry !== null) yield entry.event;
    }
  }

  /**
   * The stream's log lines as bytes, from `from` to `to` (the head when the call began by
   * default), ready for `readLog`/`replayLog`: a line stored without its `\n` (the last line of
   * an imported file) gets one when more lines follow. With `exact`, the lines are yielded as
   * stored: that is `truce export`.
   */
  async *lines(
    options: { from?: number; to?: number; exact?: boolean } = {},
  ): AsyncGenerator<Uint8Array> {
    const to = options.to ?? (await this.head());
    let next = Math.max(1, options.from ?? 1);
    while (next <= to) {
      const rows = await this.#db.query<{ seq: string; line: string }>(
        'read',
        'SELECT seq, line FROM truce.events WHERE stream = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4',
        [this.stream, next, pageEnd(next, to), PAGE],
      );
      if (rows.length === 0) return;
      let text = '';
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== next) {
          throw new StoreError(
            `${this.name} at ${this.url.redacted}: seq ${next} is missing from the events table`,
          );
        }
        text += row.line;
        if (!row.line.endsWith('\n') && (seq < to || !options.exact)) text += '\n';
        next++;
      }
      yield Buffer.from(text, 'utf8');
    }
  }

  /**
   * Where a replay of the stream may go on from instead of its first event: the snapshot its
   * appends and imports store (`truce.snapshots`), as a replayer at its seq, when this truce can
   * use it, it lies no further than `until`, and (with `at`, a replay by date) no event up to it
   * happened after `at`; else the latest of its checkpoints (`truce.checkpoints`, kept every
   * {@link CHECKPOINT_EVERY} events) that meets the same; else undefined, and `note` says why.
   * The lines after it are {@link lines} from the seq after it (`replayLog`'s `from`). It is
   * trusted as the stream's own appends trust their snapshot: it is written in the transaction
   * that writes the events it covers, and the events table refuses every change.
   *
   * @example
   * const from = await store.replayStart({ until: 500 });
   * const outcome = await replayLog(store.lines({ from: (from?.seq ?? 0) + 1 }), { from, file });
   */
  async replayStart(
    options: { until?: number; at?: string; note?: (message: string) => void } = {},
  ): Promise<ReplayStart | undefined> {
    const note = options.note ?? (() => undefined);
    const why = await this.#fromSnapshot(options);
    if (typeof why !== 'string') {
      note(`${this.name} is replayed from its stored snapshot at seq ${why.seq}`);
      return why;
    }
    const checkpoint = await this.#fromCheckpoint(options);
    if (typeof checkpoint !== 'string') {
      note(`${why}; ${this.name} is replayed from its stored checkpoint at seq ${checkpoint.seq}`);
      return checkpoint;
    }
    note(`${why}, and ${checkpoint}: ${this.name} is replayed from its first event`);
    return undefined;
  }

  /** The stream's stored snapshot as {@link replayStart} takes it, or why it does not serve. */
  async #fromSnapshot(options: { until?: number; at?: string }): Promise<ReplayStart | string> {
    // The snapshot and the head in one statement, so one view of both: a snapshot is written
    // with the head it stands at, so that head is at least its seq.
    let rows: Array<SnapshotRow & { head: string }>;
    try {
      rows = await this.#db.query<SnapshotRow & { head: string }>(
        'read',
        `SELECT s.seq, s.replay, st.head FROM truce.snapshots s
         JOIN truce.streams st ON st.name = s.stream WHERE s.stream = $1`,
        [this.stream],
      );
    } catch (error) {
      // Only a cache: a role that may read the events but not it (or any failure to read it)
      // replays from the first event, and a server gone fails there, as it did before.
      return `the stored snapshot cannot be read (${(error as Error).message})`;
    }
    if (rows[0] === undefined) return 'no snapshot is stored';
    const stored = usableSnapshot(rows[0], Number(rows[0].head));
    if (stored === undefined) return 'the stored snapshot is damaged or of another truce';
    if (options.until !== undefined && stored.seq > options.until) {
      return `the stored snapshot is at seq ${stored.seq}, after seq ${options.until}`;
    }
    if (options.at !== undefined && !(await this.#allBy(stored.seq, options.at))) {
      return `an event up to the stored snapshot (seq ${stored.seq}) happened after ${options.at}`;
    }
    const replayer = resumeReplayer(stored.replay, this.name);
    if (replayer === undefined)
      return 'the stored snapshot is not a state this truce can go on from';
    return { replayer, seq: stored.seq };
  }

  /**
   * The latest stored checkpoint at or before `until` whose events all happened at or before
   * `at` (its `max_at`, the database's `max(at)` over them, compared as {@link #allBy} compares),
   * as a replayer at its seq; or why none serves. One that is damaged or of another truce is
   * passed over for the one before it, a few times at most.
   */
  async #fromCheckpoint(options: { until?: number; at?: string }): Promise<ReplayStart | string> {
    const limit = options.at === undefined ? undefined : Date.parse(options.at);
    if (limit !== undefined && Number.isNaN(limit)) return `${options.at} is not an instant`;
    let below = options.until ?? Number.MAX_SAFE_INTEGER;
    for (let tries = 0; tries < CHECKPOINT_TRIES; tries++) {
      let rows: Array<SnapshotRow & { head: string }>;
      try {
        rows = await this.#db.query<SnapshotRow & { head: string }>(
          'read',
          `SELECT c.seq, c.replay, st.head FROM truce.checkpoints c
           JOIN truce.streams st ON st.name = c.stream
           WHERE c.stream = $1 AND c.seq <= $2
             AND ($3::float8 IS NULL OR c.max_at <= to_timestamp($3::float8 / 1000.0))
           ORDER BY c.seq DESC LIMIT 1`,
          [this.stream, below, limit ?? null],
        );
      } catch (error) {
        return `no stored checkpoint can be read (${(error as Error).message})`;
      }
      const row = rows[0];
      if (row === undefined) return 'no stored checkpoint comes before';
      // Damaged, of another truce, or a state this truce cannot go on from: the one before may do.
      const stored = usableSnapshot(row, Number(row.head));
      const replayer = stored && resumeReplayer(stored.replay, this.name);
      if (stored !== undefined && replayer !== undefined) return { replayer, seq: stored.seq };
      below = Number(row.seq) - 1;
    }
    return `the last ${CHECKPOINT_TRIES} stored checkpoints before are damaged or of another truce`;
  }

  /**
   * Whether every event up to `seq` happened at or before `at`, as a replay by date compares
   * them (`Date.parse` of each event's `at`, to the millisecond, against that of `at`): the
   * `at` column holds each event's instant converted from that very millisecond count by the
   * expression below (pgRows.ts), which orders them as the counts are ordered. A row written
   * from the text of its `at` instead (finer than a millisecond) can only be later than its
   * count, so it can only send a replay back to the first event, never past where it stops.
   */
  async #allBy(seq: number, at: string): Promise<boolean> {
    const limit = Date.parse(at);
    if (Number.isNaN(limit)) return false;
    const within = (latest: string) =>
      this.#db.query<{ within: boolean | null }>(
        'read',
        `SELECT ${latest} <= to_timestamp($3::float8 / 1000.0) AS within`,
        [this.stream, seq, limit],
      );
    let rows: Array<{ within: boolean | null }>;
    try {
      // From the last checkpoint's `max_at` and the events since it.
      rows = await within(LATEST_AT_UP_TO);
    } catch {
      // A role that may not read the checkpoints: every event up to `seq`.
      rows = await within('(SELECT max(at) FROM truce.events WHERE stream = $1 AND seq <= $2)');
    }
    return rows[0]?.within === true;
  }

  /** The seq of the stream's last event, 0 when it is empty or does not exist. */
  async head(): Promise<number> {
    const rows = await this.#db.query<{ head: string }>(
      'read',
      'SELECT head FROM truce.streams WHERE name = $1',
      [this.stream],
    );
    return rows[0] === undefined ? 0 : Number(rows[0].head);
  }

  /** The stream's last line as stored, or undefined when it is empty. */
  async lastLine(): Promise<string | undefined> {
    const rows = await this.#db.query<{ line: string }>(
      'read',
      'SELECT line FROM truce.events WHERE stream = $1 ORDER BY seq DESC LIMIT 1',
      [this.stream],
    );
    return rows[0]?.line;
  }

  /** Whether the stream exists (holds at least one event). */
  async exists(): Promise<boolean> {
    return (await this.head()) > 0;
  }

  /** The names of up to `limit` of the database's streams, by name: to suggest one. */
  async streams(limit = 5): Promise<string[]> {
    const rows = await this.#db.query<{ name: string }>(
      'read',
      'SELECT name FROM truce.streams WHERE head > 0 ORDER BY name LIMIT $1',
      [limit],
    );
    return rows.map((row) => row.name);
  }

  /** `no stream X (its streams: a, b, …)`: the sentence for a stream that does not exist. */
  async missing(): Promise<string> {
    const others = await this.streams(6);
    const list =
      others.length === 0
        ? 'it holds no stream yet'
        : `its streams: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}`;
    return `${this.url.redacted} has no ${this.name} (${list})`;
  }

  /**
   * Calls `onAppend` after each append to this stream, from any process (`LISTEN`), and once
   * after a lost connection is re-established (appends may have been missed). Returns the stop.
   *
   * @example
   * const stop = await store.watch(() => refresh());
   */
  watch(onAppend: () => void): Promise<() => Promise<void>> {
    return listen(this.#db, this.stream, onAppend);
  }

  /** The stream as a {@link LogSource}: its lines, and {@link watch} to follow it. */
  logSource(): LogSource {
    return {
      name: this.name,
      chunks: () => this.lines(),
      chunksAfter: (seq) => this.lines({ from: seq + 1 }),
      watch: (onChange) => this.watch(onChange),
    };
  }

  /** Closes the store's own connections (a pool handed in stays open). */
  async close(): Promise<void> {
    await this.#db.close();
  }

  // --- internals ---

  /**
   * Runs `body` in a transaction holding the stream's row lock (the row is created when the
   * stream is new), with the head and which of `ids` the stream already holds; commits, or
   * rolls back on any error. The state `body` hands back becomes the cache once committed.
   */
  async #transaction<T>(
    ids: readonly string[],
    body: (
      client: PoolClient,
      locked: Locked,
    ) => Promise<{ result: T; state: LoadedState | undefined }>,
  ): Promise<T> {
    const client = await this.#db.client();
    let lost: unknown;
    const onError = (error: unknown) => {
      lost ??= error;
    };
    client.on('error', onError);
    let stage: PgAction = 'append';
    let broken = false;
    try {
      const locked = await this.#lock(client, ids);
      const { result, state } = await body(client, locked);
      stage = 'commit';
      if (state === undefined) {
        // Nothing was loaded or written: the cache, if any, still stands.
        await client.query('COMMIT');
        return result;
      }
      // Until the commit is known, the cache cannot be trusted.
      this.#cached = undefined;
      await client.query('COMMIT');
      this.#cached = state.cache;
      return result;
    } catch (error) {
      if (stage === 'append') this.#cached = undefined;
      broken = isConnectionLost(error) || lost !== undefined;
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      if (error instanceof TruceError) throw error;
      throw pgStoreError(lost ?? error, this.url, stage);
    } finally {
      client.off('error', onError);
      client.release(broken ? true : undefined);
    }
  }

  /**
   * BEGIN, create the stream's row if new, lock it, read its head and which of `ids` it already
   * holds: one round trip. The ids are read after the lock, so they are those of the head read.
   */
  async #lock(client: PoolClient, ids: readonly string[]): Promise<Locked> {
    const name = client.escapeLiteral(this.stream);
    const timeout = Math.max(1, Math.round(this.#options.lockTimeoutMs ?? 30_000));
    const waiting = setTimeout(
      () => this.#warn(`waiting for ${this.name}: another append holds its lock`),
      1_000,
    );
    waiting.unref();
    const held =
      ids.length === 0
        ? ''
        : `; SELECT id, seq FROM truce.events WHERE stream = ${name} AND id = ANY(ARRAY[${ids
            .map((id) => client.escapeLiteral(id))
            .join(',')}]::text[])`;
    try {
      const results = (await client.query(
        `BEGIN; SET LOCAL lock_timeout = ${timeout};
         INSERT INTO truce.streams (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING;
         SELECT head, created_at::text AS created_at FROM truce.streams WHERE name = ${name} FOR UPDATE${held}`,
      )) as unknown as Array<{ rows: Array<Record<string, string>> }>;
      const row = results[3]?.rows[0];
      if (row?.head === undefined || row.created_at === undefined) {
        throw new StoreError(`${this.name}: its row vanished while locking it`);
      }
      const stored = new Map<string, number>();
      for (const found of results[4]?.rows ?? []) {
        if (found.id !== undefined) stored.set(found.id, Number(found.seq));
      }
      return { head: Number(row.head), createdAt: row.created_at, ids: stored };
    } finally {
      clearTimeout(waiting);
    }
  }

  /**
   * The state after the stream's last event: the cache when it stands at the locked head,
   * else the stored snapshot plus the events after it, folded through the statechart.
   */
  async #state(client: PoolClient, locked: LockedStream): Promise<LoadedState> {
    let cache = this.#cached;
    this.#cached = undefined;
    if (cache === undefined || cache.head !== locked.head || cache.createdAt !== locked.createdAt) {
      cache = await loadStreamState(client, this.#ref, locked);
    }
    const log: LogState = { head: locked.head, ids: new Map(), replayer: cache.replayer };
    return { log, cache };
  }

  /** Writes the rows, moves the head, notifies and stores a snapshot when due, in the open transaction. */
  async #write(
    client: PoolClient,
    rows: Parameters<typeof writeRows>[2],
    head: number,
    state: LoadedState,
  ): Promise<void> {
    await writeRows(client, this.stream, rows, head);
    await advanceStreamState(
      client,
      this.#ref,
      state.cache,
      head,
      this.#options.snapshotEvery ?? 256,
      this.#checkpointEvery,
    );
  }
}

/**
 * Whether a checkpoint's JSON text begins as this truce writes one at `seq` (`Replayer.snapshot`
 * stringified: its format, this `REPLAY_SNAPSHOT_VERSION` and that seq, in that order). Only
 * for {@link PostgresEventStore.fillCheckpoints}, which stores another where this is false; a
 * replay still checks the whole row before it goes on from it.
 */
function ofThisTruce(head: string, seq: number): boolean {
  return head.startsWith(
    `{"format":"truce-replay-snapshot","version":${REPLAY_SNAPSHOT_VERSION},"seq":${seq},`,
  );
}

/** The stream's row as locked by an append, with the batch's ids it already holds. */
interface Locked extends LockedStream {
  ids: Map<string, number>;
}

/** The ids a batch names (anything else is left to `prepareAppend` to refuse). */
function idsOf(events: readonly NewEvent[]): string[] {
  return events
    .map((event) => (event as { id?: unknown } | null)?.id)
    .filter((id): id is string => typeof id === 'string');
}

/** The state an append works on, and what becomes the cache once it commits. */
interface LoadedState {
  log: LogState;
  cache: StreamState;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * A source's chunks passed on to the reader, kept until the lines in them are taken: the exact
 * bytes of each line (BOM, CR, the blank lines before it), as the stream stores them.
 */
class KeptLines {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly #held: Uint8Array[] = [];
  /** The offset of the first held chunk's first byte. */
  #first = 0;
  /** The offset of the next line's first byte. */
  #next = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = this.#pass(source);
  }

  async *#pass(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.#held.push(chunk);
      yield chunk;
    }
  }

  /** The text of the bytes from the end of the last line taken up to `end`. */
  take(end: number): string {
    const parts: Uint8Array[] = [];
    let at = this.#first;
    for (const chunk of this.#held) {
      const from = Math.max(this.#next, at);
      const to = Math.min(end, at + chunk.length);
      if (to > from) parts.push(chunk.subarray(from - at, to - at));
      at += chunk.length;
      if (at >= end) break;
    }
    this.#next = end;
    while (this.#held.length > 0 && this.#first + (this.#held[0] as Uint8Array).length <= end) {
      this.#first += (this.#held.shift() as Uint8Array).length;
    }
    const only = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    return Buffer.from(only.buffer, only.byteOffset, only.byteLength).toString('utf8');
  }
}

/**
 * The lines a stream already holds, compared one by one with a file's first lines as they are
 * read (a page of them fetched at a time).
 */
class StoredPrefix {
  readonly #client: PoolClient;
  readonly #stream: string;
  readonly #head: number;
  readonly #conflict: (why: string) => TruceError;
  #page: string[] = [];
  /** The seq of `#page[0]`. */
  #from = 1;

  constructor(
    client: PoolClient,
    stream: string,
    head: number,
    conflict: (why: string) => TruceError,
  ) {
    this.#client = client;
    this.#stream = stream;
    this.#head = head;
    this.#conflict = conflict;
  }

  /** Throws the conflict unless the stream's event `seq` is the file's line `text`. */
  async match(seq: number, text: string, file: string): Promise<void> {
    if (seq >= this.#from + this.#page.length) {
      const { rows } = await this.#client.query<{ line: string }>(
        'SELECT line FROM truce.events WHERE stream = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq',
        [this.#stream, seq, pageEnd(seq, this.#head)],
      );
      this.#page = rows.map((row) => row.line);
      this.#from = seq;
    }
    const line = this.#page[seq - this.#from];
    // A row the table lacks is not compared (as before: the head says it is there).
    if (line !== undefined && bare(line) !== text) {
      throw this.#conflict(`its seq ${seq} differs from line ${seq} of ${file}`);
    }
  }
}
