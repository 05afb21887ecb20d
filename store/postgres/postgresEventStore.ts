import type { Client, Pool, PoolClient } from 'pg';
import {
  buildCompleteReadLogOptions,
  DEFAULT_MAX_LINE_BYTES,
  LogChecker,
  readLog,
  StoreError,
  splitLines,
  TruceError,
  type TruceEvent,
} from '../../events/index.js';
import { REPLAY_SNAPSHOT_VERSION, Replayer, type ReplaySnapshot } from '../../replay/index.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadOptions,
} from '../eventStore.js';
import type { LogSource } from '../logSource.js';
import { type LogState, leftDirty, prepareAppend } from '../prepareAppend.js';
import { loadPg } from './loadPg.js';
import { NewerSchemaError, SCHEMA_VERSION } from './migrations.js';
import { isConnectionLost, type PgAction, pgStoreError } from './pgErrors.js';
import { parseStoreUrl, type StoreUrl } from './storeUrl.js';
import { parseStreamName } from './streamName.js';

/** Options of {@link PostgresEventStore}. */
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
  /** How long an append waits for another append's lock on the stream, in ms (30 s). */
  lockTimeoutMs?: number;
  /** How long to wait for a connection, in ms (10 s). */
  connectTimeoutMs?: number;
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

/** The channel every append notifies, with `{"stream": name, "head": seq}`. */
export const NOTIFY_CHANNEL = 'truce_events';

/** The state after the stream's last event, kept between appends of this process. */
interface Cached {
  head: number;
  createdAt: string;
  replayer: Replayer;
  /** The seq of the snapshot stored in the database. */
  snapshotSeq: number;
}

interface Row {
  seq: number;
  id: string;
  type: string;
  v: number;
  atMs: number;
  data: string;
  source: string | null;
  recordedMs: number | null;
  line: string;
}

const PAGE = 1_000;
const INSERT_ROWS = 1_000;

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
  readonly #warn: (message: string) => void;
  #pool: Promise<Pool> | undefined;
  #ownPool = false;
  #checked: Promise<void> | undefined;
  #cached: Cached | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PostgresEventStoreOptions) {
    this.url = typeof options.url === 'string' ? parseStoreUrl(options.url) : options.url;
    this.stream = parseStreamName(options.stream);
    this.name = `stream ${this.stream}`;
    this.#options = options;
    this.#warn = options.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    if (options.pool) this.#pool = Promise.resolve(options.pool);
  }

  /** Appends a batch, all or none, in one transaction; see {@link EventStore.append}. */
  append(events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const run = this.#queue.then(() =>
      this.#transaction(async (client, locked) => {
        const ids = await this.#storedIds(client, events);
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
        await this.#insert(
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
   * Imports a log file's bytes into the stream in one transaction, keeping every line exactly
   * (BOM, CRLF, a last line without `\n`, unknown fields), so {@link lines} with `exact` gives the file
   * back byte for byte. The file is read as `truce validate` reads it and each event is checked
   * against the statechart. A stream that already holds the file's first lines gets only the
   * rest; one that holds anything else is a `CONCURRENCY_CONFLICT` (exit 3).
   *
   * @example
   * await store.importLog(await readFile('deal.jsonl'), { file: 'deal.jsonl' });
   */
  importLog(bytes: Uint8Array, options: { file: string }): Promise<ImportResult> {
    const run = this.#queue.then(async () => {
      const lines: string[] = [];
      const texts: string[] = [];
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let start = 0;
      for await (const entry of readLog(once(bytes), { file: options.file })) {
        lines.push(buffer.subarray(start, entry.end).toString('utf8'));
        texts.push(entry.text);
        start = entry.end;
      }
      return this.#transaction(async (client, locked) => {
        const skipped = await this.#matchPrefix(client, locked.head, texts, options.file);
        const state = await this.#state(client, locked);
        const events = texts.slice(skipped).map((text) => JSON.parse(text) as NewEvent);
        let prepared: ReturnType<typeof prepareAppend>;
        try {
          prepared = prepareAppend(state.log, events, {
            expectedVersion: locked.head,
            file: options.file,
            batchName: options.file,
          });
        } catch (error) {
          if (leftDirty(error)) this.#cached = undefined;
          throw error;
        }
        const rows = prepared.events.map((event, i) => rowOf(event, lines[skipped + i] as string));
        if (rows.length > 0) await this.#insert(client, rows, prepared.head, state);
        return { result: { skipped, written: rows.length, head: prepared.head }, state };
      });
    });
    this.#queue = run.catch(() => undefined);
    return run;
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
      const rows = await this.#query<{ seq: string; line: string }>(
        'read',
        'SELECT seq, line FROM truce.events WHERE stream = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4',
        [this.stream, next, to, PAGE],
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

  /** The seq of the stream's last event, 0 when it is empty or does not exist. */
  async head(): Promise<number> {
    const rows = await this.#query<{ head: string }>(
      'read',
      'SELECT head FROM truce.streams WHERE name = $1',
      [this.stream],
    );
    return rows[0] === undefined ? 0 : Number(rows[0].head);
  }

  /** The stream's last line as stored, or undefined when it is empty. */
  async lastLine(): Promise<string | undefined> {
    const rows = await this.#query<{ line: string }>(
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
    const rows = await this.#query<{ name: string }>(
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
  async watch(onAppend: () => void): Promise<() => Promise<void>> {
    await this.#checkSchema();
    const { Client } = await loadPg();
    let stopped = false;
    let client: Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new Client(this.#clientConfig());
      next.on('error', () => undefined);
      next.on('notification', (message) => {
        if (message.channel !== NOTIFY_CHANNEL || message.payload === undefined) return;
        try {
          if ((JSON.parse(message.payload) as { stream?: unknown }).stream === this.stream) {
            onAppend();
          }
        } catch {
          // Not one of ours.
        }
      });
      next.on('end', () => {
        if (stopped || client !== next) return;
        client = undefined;
        retry = setTimeout(reconnect, 1_000);
        retry.unref();
      });
      await next.connect();
      await next.query(`LISTEN ${NOTIFY_CHANNEL}`);
      client = next;
    };
    const reconnect = () => {
      if (stopped) return;
      connect().then(onAppend, () => {
        retry = setTimeout(reconnect, 1_000);
        retry.unref();
      });
    };
    try {
      await connect();
    } catch (error) {
      throw pgStoreError(error, this.url, 'listen');
    }
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }

  /** The stream as a {@link LogSource}: its lines, and {@link watch} to follow it. */
  logSource(): LogSource {
    return {
      name: this.name,
      chunks: () => this.lines(),
      watch: (onChange) => this.watch(onChange),
    };
  }

  /** Closes the store's own connections (a pool handed in stays open). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool && this.#ownPool) await (await pool.catch(() => undefined))?.end();
  }

  // --- internals ---

  #clientConfig() {
    return {
      connectionString: this.url.url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 10_000,
      application_name: 'truce',
    };
  }

  #getPool(): Promise<Pool> {
    this.#pool ??= loadPg().then(({ Pool }) => {
      this.#ownPool = true;
      const pool = new Pool({ ...this.#clientConfig(), max: 4, allowExitOnIdle: true });
      // An idle connection the server drops is replaced on next use, not a crash.
      pool.on('error', () => undefined);
      return pool;
    });
    return this.#pool;
  }

  /** Checks once that the schema is there and of this truce's version. */
  #checkSchema(): Promise<void> {
    this.#checked ??= (async () => {
      const pool = await this.#getPool();
      let version: number;
      try {
        const { rows } = await pool.query<{ version: number | null }>(
          'SELECT max(version) AS version FROM truce.migrations',
        );
        version = rows[0]?.version ?? 0;
      } catch (error) {
        throw pgStoreError(error, this.url, 'connect');
      }
      if (version > SCHEMA_VERSION) {
        throw new StoreError(`${this.url.redacted}: ${new NewerSchemaError(version).message}`);
      }
      if (version < SCHEMA_VERSION) {
        throw new StoreError(
          `the database at ${this.url.redacted} has truce schema version ${version}, this truce needs ${SCHEMA_VERSION}; run truce db migrate --store URL`,
        );
      }
    })();
    this.#checked.catch(() => {
      this.#checked = undefined;
    });
    return this.#checked;
  }

  async #query<R extends object>(action: PgAction, sql: string, values: unknown[]): Promise<R[]> {
    await this.#checkSchema();
    try {
      return (await (await this.#getPool()).query<R>(sql, values)).rows;
    } catch (error) {
      throw error instanceof TruceError ? error : pgStoreError(error, this.url, action);
    }
  }

  /**
   * Runs `body` in a transaction holding the stream's row lock (the row is created when the
   * stream is new); commits, or rolls back on any error. The state `body` hands back becomes
   * the cache once committed.
   */
  async #transaction<T>(
    body: (
      client: PoolClient,
      locked: { head: number; createdAt: string },
    ) => Promise<{ result: T; state: LoadedState | undefined }>,
  ): Promise<T> {
    await this.#checkSchema();
    const pool = await this.#getPool();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw pgStoreError(error, this.url, 'connect');
    }
    let lost: unknown;
    const onError = (error: unknown) => {
      lost ??= error;
    };
    client.on('error', onError);
    let stage: PgAction = 'append';
    let broken = false;
    try {
      const locked = await this.#lock(client);
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

  /** BEGIN, create the stream's row if new, lock it, and read its head. */
  async #lock(client: PoolClient): Promise<{ head: number; createdAt: string }> {
    const name = client.escapeLiteral(this.stream);
    const timeout = Math.max(1, Math.round(this.#options.lockTimeoutMs ?? 30_000));
    const waiting = setTimeout(
      () => this.#warn(`waiting for ${this.name}: another append holds its lock`),
      1_000,
    );
    waiting.unref();
    try {
      const results = (await client.query(
        `BEGIN; SET LOCAL lock_timeout = ${timeout};
         INSERT INTO truce.streams (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING;
         SELECT head, created_at::text AS created_at FROM truce.streams WHERE name = ${name} FOR UPDATE`,
      )) as unknown as Array<{ rows: Array<{ head: string; created_at: string }> }>;
      const row = results.at(-1)?.rows[0];
      if (row === undefined)
        throw new StoreError(`${this.name}: its row vanished while locking it`);
      return { head: Number(row.head), createdAt: row.created_at };
    } finally {
      clearTimeout(waiting);
    }
  }

  /** The batch's ids the stream already holds, with their seqs. */
  async #storedIds(client: PoolClient, events: readonly NewEvent[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const wanted = events
      .map((event) => (event as { id?: unknown } | null)?.id)
      .filter((id): id is string => typeof id === 'string');
    if (wanted.length === 0) return ids;
    const { rows } = await client.query<{ id: string; seq: string }>(
      'SELECT id, seq FROM truce.events WHERE stream = $1 AND id = ANY($2::text[])',
      [this.stream, wanted],
    );
    for (const row of rows) ids.set(row.id, Number(row.seq));
    return ids;
  }

  /**
   * The state after the stream's last event: the cache when it stands at the locked head,
   * else the stored snapshot plus the events after it, folded through the statechart.
   */
  async #state(
    client: PoolClient,
    locked: { head: number; createdAt: string },
  ): Promise<LoadedState> {
    let cache = this.#cached;
    this.#cached = undefined;
    if (cache === undefined || cache.head !== locked.head || cache.createdAt !== locked.createdAt) {
      cache = await this.#load(client, locked);
    }
    const log: LogState = { head: locked.head, ids: new Map(), replayer: cache.replayer };
    return { log, cache };
  }

  async #load(client: PoolClient, locked: { head: number; createdAt: string }): Promise<Cached> {
    let replayer = new Replayer({ file: this.name });
    let seq = 0;
    const { rows } = await client.query<{ seq: string; replay: ReplaySnapshot }>(
      'SELECT seq, replay FROM truce.snapshots WHERE stream = $1',
      [this.stream],
    );
    const stored = rows[0];
    if (
      stored !== undefined &&
      Number(stored.seq) <= locked.head &&
      stored.replay?.format === 'truce-replay-snapshot' &&
      stored.replay.version === REPLAY_SNAPSHOT_VERSION &&
      stored.replay.seq === Number(stored.seq)
    ) {
      try {
        replayer = new Replayer({ from: stored.replay, file: this.name });
        seq = Number(stored.seq);
      } catch {
        // A snapshot this truce cannot use is only a cache: fold from the start.
      }
    }
    const snapshotSeq = seq;
    const checker = new LogChecker(buildCompleteReadLogOptions({ file: this.name }), {
      line: seq,
      seq,
      ids: { firstLine: () => undefined, add: () => undefined },
    });
    const store = this;
    async function* tail(): AsyncGenerator<Uint8Array> {
      let next = seq + 1;
      while (next <= locked.head) {
        const page = await client.query<{ line: string }>(
          'SELECT line FROM truce.events WHERE stream = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4',
          [store.stream, next, locked.head, PAGE],
        );
        if (page.rows.length === 0) break;
        next += page.rows.length;
        yield Buffer.from(
          page.rows.map((row) => (row.line.endsWith('\n') ? row.line : `${row.line}\n`)).join(''),
        );
      }
    }
    for await (const raw of splitLines(tail(), { maxLineBytes: DEFAULT_MAX_LINE_BYTES })) {
      const entry = checker.check(raw);
      if (entry === null) continue;
      const { event, line } = entry;
      replayer.apply(event, line);
      seq = event.seq;
    }
    if (seq !== locked.head) {
      throw new StoreError(
        `${this.name} at ${this.url.redacted}: its head is seq ${locked.head} but its events end at seq ${seq}`,
      );
    }
    return { head: locked.head, createdAt: locked.createdAt, replayer, snapshotSeq };
  }

  /** Inserts the rows, moves the head and notifies, in the open transaction. */
  async #insert(client: PoolClient, rows: Row[], head: number, state: LoadedState): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_ROWS) {
      const part = rows.slice(i, i + INSERT_ROWS);
      await client.query(
        `INSERT INTO truce.events (stream, seq, id, type, v, at, data, source, recorded_at, line)
         SELECT $1, r.seq, r.id, r.type, r.v, to_timestamp(r.at_ms / 1000.0), r.data::jsonb,
                r.source::jsonb, to_timestamp(r.recorded_ms / 1000.0), r.line
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::text[],
                     $8::text[], $9::float8[], $10::text[])
           AS r(seq, id, type, v, at_ms, data, source, recorded_ms, line)`,
        [
          this.stream,
          part.map((r) => r.seq),
          part.map((r) => r.id),
          part.map((r) => r.type),
          part.map((r) => r.v),
          part.map((r) => r.atMs),
          part.map((r) => r.data),
          part.map((r) => r.source),
          part.map((r) => r.recordedMs),
          part.map((r) => r.line),
        ],
      );
    }
    await client.query(
      `WITH moved AS (UPDATE truce.streams SET head = $2 WHERE name = $1 RETURNING head)
       SELECT pg_notify($3, json_build_object('stream', $1::text, 'head', (SELECT head FROM moved))::text)`,
      [this.stream, head, NOTIFY_CHANNEL],
    );
    const { cache } = state;
    cache.head = head;
    const every = this.#options.snapshotEvery ?? 256;
    if (head - cache.snapshotSeq >= every) {
      await client.query(
        `INSERT INTO truce.snapshots (stream, seq, replay) VALUES ($1, $2, $3)
         ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, replay = excluded.replay`,
        [this.stream, head, JSON.stringify(cache.replayer.snapshot())],
      );
      cache.snapshotSeq = head;
    }
  }

  /**
   * How many of the file's first lines the stream already holds, identical; a
   * `ConcurrencyError` when the stream holds anything else.
   */
  async #matchPrefix(
    client: PoolClient,
    head: number,
    texts: readonly string[],
    file: string,
  ): Promise<number> {
    if (head === 0) return 0;
    const conflict = (why: string) =>
      new TruceError(
        'CONCURRENCY_CONFLICT',
        `${this.name} already holds ${head} ${head === 1 ? 'event' : 'events'} and ${why}; import into a new --stream`,
      );
    if (head > texts.length) {
      throw conflict(`${file} has only ${texts.length}`);
    }
    let seq = 1;
    while (seq <= head) {
      const { rows } = await client.query<{ line: string }>(
        'SELECT line FROM truce.events WHERE stream = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq',
        [this.stream, seq, Math.min(head, seq + PAGE - 1)],
      );
      for (const row of rows) {
        if (bare(row.line) !== texts[seq - 1]) {
          throw conflict(`its seq ${seq} differs from line ${seq} of ${file}`);
        }
        seq++;
      }
      if (rows.length === 0) break;
    }
    return head;
  }
}

/** The state an append works on, and what becomes the cache once it commits. */
interface LoadedState {
  log: LogState;
  cache: Cached;
}

/** A line without BOM and line end: what `readLog` calls its text. */
function bare(line: string): string {
  return line.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The columns of one event, from the decoded event and its line as it will be stored. */
function rowOf(event: TruceEvent, line: string): Row {
  const raw = JSON.parse(bare(line)) as {
    v?: unknown;
    data?: unknown;
    source?: unknown;
  };
  return {
    seq: event.seq,
    id: event.id,
    type: event.type,
    v: typeof raw.v === 'number' ? raw.v : 1,
    atMs: Date.parse(event.at),
    data: jsonbText(raw.data ?? {}),
    source: raw.source === undefined ? null : jsonbText(raw.source),
    recordedMs: event.recordedAt === undefined ? null : Date.parse(event.recordedAt),
    line,
  };
}

/** JSON for a jsonb column, which cannot hold U+0000: its copy there gets U+FFFD (the line keeps it). */
function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u0000') ? JSON.stringify(withoutNul(value)) : text;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\ufffd');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [withoutNul(key) as string, withoutNul(inner)]),
    );
  }
  return value;
}
