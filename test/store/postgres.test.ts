import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  StoreError,
  type TruceError,
  type TruceEvent,
} from '../../events/index.js';
import { LogSession } from '../../inspector/session.js';
import { type ReplayLogOptions, type ReplayOutcome, replayLog } from '../../replay/index.js';
import {
  migrateDatabase,
  type NewEvent,
  PostgresEventStore,
  type PostgresEventStoreOptions,
  parseStoreUrl,
  redactUrl,
} from '../../store/index.js';
import { PAGE } from '../../store/postgres/pgRows.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { mutatedLog } from '../arbitraries/mutatedLog.js';
import { actorSteps, expectWindows } from '../inspector/fixtures.js';
import { checkAsyncProperty, numRuns, propertyTimeout, toJsonl } from '../properties/settings.js';
import { readAll, storeContract } from './contract.js';
import { aid, opened } from './fixtures.js';
import { type PgForTests, pgSkipReason, startPg } from './pgCluster.js';

const skip = pgSkipReason();
const root = join(import.meta.dirname, '..', '..');
const examples = ['november-2023', 'talks-2024'];
let server: PgForTests | undefined;
const stores: PostgresEventStore[] = [];
const freshStream = (label = 's') => `${label}-${randomBytes(6).toString('hex')}`;
const url = () => (server as PgForTests).url;

beforeAll(async () => {
  if (skip) return;
  server = await startPg();
  await migrateDatabase(url());
  // Test-only: an insert of an event whose id starts with "slow-" sleeps inside the
  // transaction, so a test can act while an append is half-way through.
  await sql(`
    CREATE OR REPLACE FUNCTION public.truce_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id LIKE 'slow-%' THEN PERFORM pg_sleep(3); END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS truce_test_slow ON truce.events;
    CREATE TRIGGER truce_test_slow AFTER INSERT ON truce.events
      FOR EACH ROW EXECUTE FUNCTION public.truce_test_slow();`);
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  server?.stop();
});

/** Runs SQL on a connection of its own. */
async function sql<R extends object = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    const result = await client.query<R>(text, values);
    return Array.isArray(result) ? [] : result.rows;
  } finally {
    await client.end();
  }
}

function open(
  stream = freshStream(),
  options: Partial<PostgresEventStoreOptions> = {},
): PostgresEventStore {
  const store = new PostgresEventStore({ url: url(), stream, warn: () => undefined, ...options });
  stores.push(store);
  return store;
}

/** The bytes in chunks of 1 to 7 bytes: lines, BOM, CRLF and UTF-8 split across them. */
async function* dribbled(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0, n = 1; at < bytes.length; at += n, n = (n % 7) + 1) {
    yield bytes.slice(at, at + n);
  }
}

/** Polls `check` until it holds, up to a generous bound (no timing is asserted). */
async function eventually(check: () => Promise<boolean>, what: string, limitMs = 60_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(skip !== undefined)('PostgresEventStore', () => {
  storeContract('postgres', async () => {
    const store = open();
    return { store, close: () => store.close() };
  });

  describe('concurrency', () => {
    it('8 clients with the same expected version, 100 rounds: exactly one winner each round', async () => {
      const stream = freshStream('race');
      const clients = Array.from({ length: 8 }, () => open(stream));
      await (clients[0] as PostgresEventStore).append([opened()]);
      const winners: number[] = [];
      for (let round = 1; round <= 100; round++) {
        const expected = round;
        const results = await Promise.allSettled(
          clients.map((client, c) =>
            client.append([aid(`r${round}-c${c}`)], { expectedVersion: expected }),
          ),
        );
        const won = results.flatMap((r, c) => (r.status === 'fulfilled' ? [c] : []));
        expect(won, `round ${round}`).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(ConcurrencyError);
            expect(r.reason).toMatchObject({ expected, actual: expected + 1 });
          }
        }
        winners.push(won[0] as number);
      }
      const events = await readAll(clients[0] as PostgresEventStore);
      expect(events).toHaveLength(101);
      expect(events.slice(1).map((e) => e.id)).toEqual(winners.map((c, i) => `r${i + 1}-c${c}`));
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    });

    it('8 clients appending without an expected version: all 8 × 25 events are kept, seqs gap-free', async () => {
      const stream = freshStream('many');
      const clients = Array.from({ length: 8 }, () => open(stream));
      await (clients[0] as PostgresEventStore).append([opened()]);
      await Promise.all(
        clients.map(async (client, c) => {
          for (let i = 0; i < 25; i++) await client.append([aid(`c${c}-${i}`)]);
        }),
      );
      const events = await readAll(clients[0] as PostgresEventStore);
      expect(events).toHaveLength(201);
      expect(new Set(events.map((e) => e.id)).size).toBe(201);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    });
  });

  describe('failures mid-append', () => {
    it('a client killed while its transaction is open loses nothing acknowledged and leaves no partial batch', async () => {
      const stream = freshStream('kill');
      const child = spawn(process.execPath, [
        join(import.meta.dirname, 'children', 'pgAppendWorker.mjs'),
        url(),
        stream,
      ]);
      const acked: string[][] = [];
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      const next = lineReader(lines);
      expect(await next()).toBe('ready');
      // Three acknowledged batches, then a batch whose insert sleeps inside its transaction.
      for (const batch of [['open'], ['b1-1', 'b1-2'], ['b2-1', 'b2-2', 'b2-3']]) {
        child.stdin?.write(`${batch.join(' ')}\n`);
        expect(await next()).toBe(`ok ${batch.join(' ')}`);
        acked.push(batch);
      }
      child.stdin?.write('b3-1 slow-b3-2 b3-3\n');
      await eventually(async () => {
        const rows = await sql<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%INSERT INTO truce.events%'`,
        );
        return Number(rows[0]?.n) > 0;
      }, 'the append to be inside its transaction');
      child.kill('SIGKILL');
      await exited(child);

      const store = open(stream);
      // The server ends the dead client's transaction (rolled back) and releases the lock.
      await eventually(
        async () =>
          (
            await sql<{ n: string }>(
              `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'`,
            )
          )[0]?.n === '0',
        'the killed transaction to end',
      );
      const ids = (await readAll(store)).map((e) => e.id);
      expect(ids).toEqual(acked.flat());
      expect(await store.head()).toBe(6);
      expect(await store.append([aid('after')], { expectedVersion: 6 })).toMatchObject({
        seqs: [7],
      });
    });

    it('a connection cut mid-append rolls the whole batch back and says so in one sentence', async () => {
      const store = open();
      await store.append([opened(), aid('a1')]);
      const pending = store.append([aid('b1'), aid('slow-b2'), aid('b3')]).catch((e) => e);
      await eventually(async () => {
        const rows = await sql<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%INSERT INTO truce.events%'`,
        );
        for (const row of rows) await sql('SELECT pg_terminate_backend($1)', [row.pid]);
        return rows.length > 0;
      }, 'the append to be inside its transaction');
      const error = await pending;
      expect(error).toBeInstanceOf(StoreError);
      // The server the tests use, as messages show it (a cluster of their own, or TRUCE_TEST_PG_URL).
      const server = redactUrl(url()).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(error.message).toMatch(
        new RegExp(
          `^lost the connection to PostgreSQL at ${server} during the append \\(.*\\); the transaction was rolled back and nothing was written$`,
        ),
      );
      expect((await readAll(store)).map((e) => e.id)).toEqual(['open', 'a1']);
      // The store is still usable: the broken connection was thrown away.
      expect(await store.append([aid('b1'), aid('b3')])).toMatchObject({ seqs: [3, 4] });
    });
  });

  describe('import and export', () => {
    for (const name of examples) {
      it(`${name}: import, then export gives the file back byte for byte`, async () => {
        const file = join(root, 'examples', `${name}.jsonl`);
        const bytes = readFileSync(file);
        const store = open();
        expect(await store.importLog(bytes, { file })).toMatchObject({ skipped: 0 });
        expect(Buffer.concat(await collect(store.lines({ exact: true }))).equals(bytes)).toBe(true);
      });

      it(`${name}: replay from PostgreSQL equals replay of the file`, async () => {
        const file = join(root, 'examples', `${name}.jsonl`);
        const store = open();
        await store.importLog(readFileSync(file), { file });
        const fromFile = await replayLog(file);
        const fromPg = await replayLog(store.lines(), { file: store.name });
        expect(JSON.stringify(fromPg.report)).toBe(JSON.stringify(fromFile.report));
        expect(fromPg.events).toBe(fromFile.events);
      });
    }

    it('keeps a BOM, CRLF line ends, unknown fields, key order and a last line without its newline', async () => {
      const lines = [
        `\uFEFF{"type":"negotiation.opened","seq":1,"id":"o","at":"2023-11-22T08:00:00+02:00","data":{"title":"T","parties":[{"id":"a","name":"A","role":"principal"},{"id":"b","name":"B","role":"principal"}]},"note":"kept","n":1.50}\r\n`,
        `{"seq":2,"id":"x","type":"aid.delivered","at":"2023-11-24T10:00:00Z","data":{"region":"s\\u00e9","trucks":2,"extra":{"z":1,"a":2}}}\n`,
        `{"seq":3,"id":"y","type":"aid.delivered","at":"2023-11-24T11:00:00Z","data":{"region":"nul\\u0000","trucks":3}}`,
      ];
      const bytes = Buffer.from(lines.join(''));
      const store = open();
      await store.importLog(bytes, { file: 'odd.jsonl' });
      expect(Buffer.concat(await collect(store.lines({ exact: true }))).equals(bytes)).toBe(true);
      // Appending after the unterminated line completes it, as the file store does.
      await store.append([aid('z')]);
      const exported = Buffer.concat(await collect(store.lines({ exact: true }))).toString();
      expect(exported.startsWith(`${lines.join('')}\n{"seq":4,"id":"z"`)).toBe(true);
      const rows = await sql<{ data: unknown; at: Date }>(
        'SELECT data, at FROM truce.events WHERE stream = $1 ORDER BY seq',
        [store.stream],
      );
      expect(rows[1]?.data).toEqual({ region: 'sé', trucks: 2, extra: { z: 1, a: 2 } });
      expect(rows[0]?.at.toISOString()).toBe('2023-11-22T06:00:00.000Z');
    });

    it('a re-import adds nothing; a grown file adds only its new lines; a different one is refused', async () => {
      const file = join(root, 'examples', 'november-2023.jsonl');
      const bytes = readFileSync(file);
      const cut = bytes.indexOf('\n', bytes.indexOf('"seq":10,')) + 1;
      const store = open();
      expect(await store.importLog(bytes.subarray(0, cut), { file })).toEqual({
        skipped: 0,
        written: 10,
        head: 10,
      });
      expect(await store.importLog(bytes, { file })).toEqual({
        skipped: 10,
        written: 12,
        head: 22,
      });
      expect(await store.importLog(bytes, { file })).toEqual({ skipped: 22, written: 0, head: 22 });
      const other = readFileSync(join(root, 'examples', 'talks-2024.jsonl'));
      const error = await store.importLog(other, { file: 'talks.jsonl' }).catch((e) => e);
      expect(error).toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      expect(error.message).toMatch(/already holds 22 events and .*import into a new --stream/);
      expect(Buffer.concat(await collect(store.lines({ exact: true }))).equals(bytes)).toBe(true);
    });

    it('imported in parts, from chunks of a few bytes, a file gives the same stream as imported whole, and a grown file adds its new lines in parts too', async () => {
      const odd = Buffer.from(
        `\uFEFF${JSON.stringify({ seq: 1, ...opened() })}\r\n${JSON.stringify({ seq: 2, ...aid('s\u00e9') })}\n${JSON.stringify({ seq: 3, ...aid('t') })}`,
      );
      for (const bytes of [
        odd,
        ...examples.map((name) => readFileSync(join(root, 'examples', `${name}.jsonl`))),
      ]) {
        const whole = open();
        const parts = open();
        const told: Array<[number, number]> = [];
        const onProgress = (events: number, end: number) => told.push([events, end]);
        const result = await whole.importLog(bytes, { file: 'f.jsonl' });
        expect(
          await parts.importLog(dribbled(bytes), { file: 'f.jsonl', batch: 3, onProgress }),
        ).toEqual(result);
        const exported = Buffer.concat(await collect(parts.lines({ exact: true })));
        expect(exported.equals(bytes)).toBe(true);
        expect(await parts.head()).toBe(await whole.head());
        // Progress ends at the last event, at the end of the file.
        expect(told.at(-1)).toEqual([result.head, bytes.length]);
        // The same file again, grown by what the whole import holds: only the new lines, in parts.
        const half = bytes.subarray(0, bytes.indexOf('\n', bytes.length >> 1) + 1);
        const grown = open();
        const first = await grown.importLog(half, { file: 'f.jsonl', batch: 2 });
        expect(await grown.importLog(dribbled(bytes), { file: 'f.jsonl', batch: 2 })).toEqual({
          skipped: first.head,
          written: result.head - first.head,
          head: result.head,
        });
        expect(Buffer.concat(await collect(grown.lines({ exact: true }))).equals(bytes)).toBe(true);
      }
    });

    it('an import rejected in a later part writes nothing, names the line of the file, and leaves the store usable', async () => {
      const lines = [
        JSON.stringify({ seq: 1, ...opened() }),
        ...Array.from({ length: 8 }, (_, i) => JSON.stringify({ seq: i + 2, ...aid(`a${i}`) })),
        JSON.stringify({
          seq: 10,
          id: 'p',
          type: 'phase.started',
          at: '2023-11-25T00:00:00Z',
          data: { phase: 1 },
        }),
      ];
      const store = open();
      const error = await store
        .importLog(dribbled(Buffer.from(lines.join('\n'))), { file: 'bad.jsonl', batch: 3 })
        .catch((e) => e);
      expect(error.code).toBe('REJECTED_EVENT');
      expect(error.message).toMatch(/line 10 \(seq 10, type phase\.started\): rejected in state/);
      expect(await store.head()).toBe(0);
      expect(
        await sql('SELECT 1 FROM truce.events WHERE stream = $1', [store.stream]),
      ).toHaveLength(0);
      expect(await store.append([opened(), aid('b')])).toMatchObject({ seqs: [1, 2] });
    });

    it('an import with an event the statechart rejects writes nothing and names the line', async () => {
      const text = [
        JSON.stringify({ seq: 1, ...opened() }),
        JSON.stringify({ seq: 2, ...aid('a') }),
        JSON.stringify({
          seq: 3,
          id: 'p',
          type: 'phase.started',
          at: '2023-11-25T00:00:00Z',
          data: { phase: 1 },
        }),
      ].join('\n');
      const store = open();
      const error = await store.importLog(Buffer.from(text), { file: 'bad.jsonl' }).catch((e) => e);
      expect(error.code).toBe('REJECTED_EVENT');
      expect(error.message).toMatch(/line 3 \(seq 3, type phase\.started\): rejected in state/);
      expect(await store.head()).toBe(0);
    });
  });

  describe('replay from the stored snapshot', { timeout: propertyTimeout }, () => {
    /** What a replay answered, every part of it, key order included. */
    const answer = (outcome: ReplayOutcome) =>
      JSON.stringify({
        events: outcome.events,
        stoppedBy: outcome.stoppedBy,
        report: outcome.report,
        state: outcome.replayer.snapshot(),
        next: outcome.replayer.next(),
      });

    /** Where a replay stops: after a seq, before the first event after an instant, or both. */
    type Cut = { until?: number; at?: string };

    /** The stream replayed from its first event, as `--no-cache` does. */
    const fromFirst = async (store: PostgresEventStore, cut: Cut = {}) =>
      answer(await replayLog(store.lines(), { file: store.name, ...cut }));

    /** The stream replayed from its stored snapshot when one serves, as `replay` and `status` do. */
    async function fromSnapshot(store: PostgresEventStore, cut: Cut = {}) {
      const notes: string[] = [];
      const from = await store.replayStart({ ...cut, note: (m) => notes.push(m) });
      const options: ReplayLogOptions = { file: store.name, ...cut };
      if (from !== undefined) options.from = from;
      const outcome = await replayLog(store.lines({ from: (from?.seq ?? 0) + 1 }), options);
      return { seq: from?.seq, answer: answer(outcome), notes };
    }

    /** The event as an append takes it (no seq), its keys in reverse order when asked. */
    const asNew = (event: TruceEvent, reverse: boolean): NewEvent => {
      const { seq: _seq, ...rest } = event;
      const entries = Object.entries(rest);
      return Object.fromEntries(reverse ? entries.reverse() : entries) as NewEvent;
    };

    /** The events, one of them (`late`: which, and by how many hours) reported later. */
    const withLate = (events: TruceEvent[], late: [number, number] | null): TruceEvent[] => {
      const copy = events.map((event) => ({ ...event }));
      const event = late === null ? undefined : copy[late[0] % copy.length];
      if (event !== undefined && late !== null) {
        event.at = new Date(Date.parse(event.at) + late[1] * 3_600_000).toISOString();
      }
      return copy;
    };

    it('answers as a replay from the first event, by seq and by date, from the snapshot or a checkpoint, for logs imported and appended in any parts (property)', async () => {
      await checkAsyncProperty(
        'pg-snapshot-equals-replay-from-first',
        fc.asyncProperty(
          fc.oneof(
            legalLog({ maxEvents: 30 }),
            mutatedLog({ maxEvents: 30 }).map((m) => m.mutated),
          ),
          // How many events come first by import (its lines as written), then batch sizes.
          fc.nat({ max: 30 }),
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 6 }),
          fc.boolean(),
          // Where the cuts fall: a seq, and the instant of an event, a millisecond either side.
          fc.nat(),
          fc.nat(),
          fc.integer({ min: -1, max: 1 }),
          // An event reported with a later `at` than those after it, so the latest instant
          // before the snapshot is not its last event's.
          fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 2_000 }))),
          // Checkpoints each time the head passes a multiple of this many events.
          fc.integer({ min: 1, max: 8 }),
          async (
            drawn,
            imported,
            sizes,
            every,
            reverse,
            untilDraw,
            atDraw,
            atNudge,
            late,
            checkpointEvery,
          ) => {
            const events = withLate(drawn, late);
            const stream = freshStream('resume');
            // Closed at the end of each run, not kept for afterAll: a few hundred runs.
            const store = (options: Partial<PostgresEventStoreOptions> = {}) =>
              new PostgresEventStore({ url: url(), stream, warn: () => undefined, ...options });
            const writer = store({ snapshotEvery: every, checkpointEvery });
            const reader = store();
            try {
              const first = Math.min(imported, events.length);
              let head = 0;
              try {
                if (first > 0) {
                  const text = events
                    .slice(0, first)
                    .map(
                      (event) =>
                        `${JSON.stringify(asNew(event, reverse)).replace('{', `{"seq":${event.seq},`)}\n`,
                    )
                    .join('');
                  head = (await writer.importLog(Buffer.from(text), { file: 'part.jsonl' })).head;
                }
                for (let i = first, b = 0; i < events.length; b++) {
                  const part = events.slice(i, i + (sizes[b % sizes.length] as number));
                  head = (await writer.append(part.map((event) => asNew(event, !reverse)))).head;
                  i += part.length;
                }
              } catch (error) {
                // A refused part: the stream keeps what was accepted before it.
                if ((error as TruceError).code === undefined) throw error;
              }
              if (head === 0) return;
              const rows = await sql<{ seq: string }>(
                'SELECT seq FROM truce.snapshots WHERE stream = $1',
                [stream],
              );
              const stored = rows[0] === undefined ? undefined : Number(rows[0].seq);
              const checkpoints = (
                await sql<{ seq: string }>(
                  'SELECT seq FROM truce.checkpoints WHERE stream = $1 ORDER BY seq',
                  [stream],
                )
              ).map((row) => Number(row.seq));
              /** The latest instant of the events up to `seq`, from the events themselves. */
              const latestUpTo = (seq: number) =>
                Math.max(...events.slice(0, seq).map((e) => Date.parse(e.at)));
              const until = (untilDraw % head) + 1;
              const instant = Date.parse((events[atDraw % head] as TruceEvent).at) + atNudge;
              const iso = (ms: number) => new Date(ms).toISOString();
              const cuts: Cut[] = [
                {},
                { until },
                { at: iso(instant) },
                { until, at: iso(instant) },
              ];
              // The latest instant up to the snapshot, and a millisecond before it: the edge.
              const latest = latestUpTo(stored ?? 0);
              if (stored !== undefined) cuts.push({ at: iso(latest) }, { at: iso(latest - 1) });
              // The same edge for a checkpoint, and a seq just before one.
              const checkpoint = checkpoints[untilDraw % Math.max(1, checkpoints.length)];
              if (checkpoint !== undefined) {
                const edge = latestUpTo(checkpoint);
                cuts.push({ at: iso(edge) }, { at: iso(edge - 1) }, { until: checkpoint - 1 });
              }
              for (const cut of cuts) {
                const got = await fromSnapshot(reader, cut);
                // The snapshot is used whenever there is one before the seq asked for and no
                // event up to it happened after the instant asked for.
                // Else the latest checkpoint that meets the same.
                const serves = (seq: number) =>
                  (cut.until === undefined || seq <= cut.until) &&
                  (cut.at === undefined || latestUpTo(seq) <= Date.parse(cut.at));
                const usable = stored !== undefined && serves(stored);
                expect(got.seq, `${JSON.stringify(cut)}: ${got.notes.join('; ')}`).toBe(
                  usable ? stored : checkpoints.filter(serves).at(-1),
                );
                expect(got.answer, JSON.stringify(cut)).toBe(await fromFirst(reader, cut));
              }
            } finally {
              await writer.close();
              await reader.close();
            }
          },
        ),
        (drawn, _imported, _sizes, _every, _reverse, _untilDraw, _atDraw, _atNudge, late, _ce) =>
          withLate(drawn, late),
        // Each run makes a stream and a few transactions: a fifth of the suite's count.
        Math.ceil(numRuns / 5),
      );
    });

    it('keeps a checkpoint each time the head passes a multiple of checkpointEvery, by appends and by an import in parts, each the state of a replay to its seq', async () => {
      const appended = freshStream('checkpoints');
      const writer = open(appended, { snapshotEvery: 1, checkpointEvery: 4 });
      await writer.append([opened()]);
      for (let i = 1; i <= 9; i++) await writer.append([aid(`a${i}`)]);
      // One batch past 12: the checkpoint is the state at the batch's end.
      await writer.append([1, 2, 3, 4, 5].map((i) => aid(`b${i}`)));
      const seqsOf = async (stream: string) =>
        (
          await sql<{ seq: string }>(
            'SELECT seq FROM truce.checkpoints WHERE stream = $1 ORDER BY seq',
            [stream],
          )
        ).map((row) => Number(row.seq));
      expect(await seqsOf(appended)).toEqual([4, 8, 15]);

      const imported = freshStream('checkpoints-import');
      const events = [...generatedLog({ events: 40, seed: 3 })];
      // Read a few bytes at a time, so that the import writes its parts as it goes.
      await open(imported, { checkpointEvery: 5 }).importLog(
        dribbled(Buffer.from(toJsonl(events))),
        {
          file: 'part.jsonl',
          batch: 3,
        },
      );
      const seqs = await seqsOf(imported);
      expect(seqs.length).toBeGreaterThan(2);
      for (const stream of [appended, imported]) await expectCheckpointsReplays(stream);
      // Forty events store no snapshot (every 256): a replay goes on from the nearest checkpoint.
      const reader = open(imported);
      const until = (seqs[1] as number) + 1;
      const got = await fromSnapshot(reader, { until });
      expect(got.seq).toBe(seqs[1]);
      expect(got.notes).toEqual([
        `no snapshot is stored; stream ${imported} is replayed from its stored checkpoint at seq ${seqs[1]}`,
      ]);
      expect(got.answer).toBe(await fromFirst(reader, { until }));
    });

    it('fillCheckpoints stores the checkpoints a stream lacks, from the latest usable one before, each the state of a replay to its seq; then none', async () => {
      const stream = freshStream('fill');
      const events = [...generatedLog({ events: 30, seed: 11 })];
      // Imported with no checkpoint (a stream from before schema version 2).
      await open(stream, { checkpointEvery: 1_000 }).importLog(Buffer.from(toJsonl(events)), {
        file: 'fill.jsonl',
      });
      const filler = open(stream, { checkpointEvery: 4 });
      const progress: Array<[number, number]> = [];
      const all = [4, 8, 12, 16, 20, 24, 28];
      expect(
        await filler.fillCheckpoints({ onProgress: (done, total) => progress.push([done, total]) }),
      ).toEqual({ stored: all, from: 0, head: 30 });
      expect(progress.at(0)).toEqual([0, 28]);
      expect(progress.at(-1)).toEqual([28, 28]);
      expect(await expectCheckpointsReplays(stream, events)).toEqual(all);
      expect(await filler.fillCheckpoints()).toEqual({ stored: [], from: 0, head: 30 });

      // One deleted, one of another truce, one at a seq that is no multiple: the stretch from
      // 16 is covered by the checkpoint at 18, and the replay goes on from the one at 4.
      await sql('DELETE FROM truce.checkpoints WHERE stream = $1 AND seq IN (8, 16)', [stream]);
      await sql('UPDATE truce.checkpoints SET replay = $2 WHERE stream = $1 AND seq = 12', [
        stream,
        '{"format":"truce-replay-snapshot","version":0,"seq":12,"machine":{},"projection":{}}',
      ]);
      const { replayer } = await replayLog(dribbled(Buffer.from(toJsonl(events.slice(0, 18)))), {
        file: stream,
      });
      await sql(
        'INSERT INTO truce.checkpoints (stream, seq, max_at, replay) VALUES ($1, 18, $2, $3)',
        [
          stream,
          new Date(Math.max(...events.slice(0, 18).map((event) => Date.parse(event.at)))),
          JSON.stringify(replayer.snapshot()),
        ],
      );
      expect(await filler.fillCheckpoints()).toEqual({ stored: [8, 12], from: 4, head: 30 });
      expect(await expectCheckpointsReplays(stream, events)).toEqual([4, 8, 12, 18, 20, 24, 28]);
    });

    it('an append by a role that may not write the checkpoints is kept, without one', async () => {
      const stream = freshStream('checkpoints-role');
      await open(stream).append([opened()]);
      const role = `writer_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE ROLE ${role} LOGIN`);
      try {
        await sql(`GRANT USAGE ON SCHEMA truce TO ${role}`);
        await sql(
          `GRANT SELECT, INSERT, UPDATE ON truce.events, truce.streams, truce.snapshots TO ${role}`,
        );
        await sql(`GRANT SELECT ON truce.migrations TO ${role}`);
        await sql(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA truce TO ${role}`);
        const asRole = new URL(url());
        asRole.username = role;
        asRole.password = '';
        const writer = new PostgresEventStore({
          url: asRole.toString(),
          stream,
          snapshotEvery: 1,
          checkpointEvery: 1,
        });
        try {
          expect((await writer.append([aid('a1'), aid('a2')])).head).toBe(3);
          expect((await writer.append([aid('a3')])).head).toBe(4);
        } finally {
          await writer.close();
        }
      } finally {
        await sql(`DROP OWNED BY ${role}`);
        await sql(`DROP ROLE ${role}`);
      }
      expect((await readAll(open(stream))).map((event) => event.id)).toEqual([
        'open',
        'a1',
        'a2',
        'a3',
      ]);
      const rows = await sql('SELECT seq FROM truce.checkpoints WHERE stream = $1', [stream]);
      expect(rows).toEqual([]);
    });

    /** {@link fromSnapshot} as a role that may read only `tables` (and use the schema). */
    async function asRole(stream: string, tables: string, cut: Cut = {}) {
      const role = `reader_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE ROLE ${role} LOGIN`);
      await sql(`GRANT USAGE ON SCHEMA truce TO ${role}`);
      await sql(`GRANT SELECT ON ${tables} TO ${role}`);
      const as = new URL(url());
      as.username = role;
      as.password = '';
      const reader = new PostgresEventStore({ url: as.toString(), stream });
      try {
        return await fromSnapshot(reader, cut);
      } finally {
        // A role belongs to the whole server (TRUCE_TEST_PG_URL may name one that stays).
        await reader.close();
        await sql(`DROP OWNED BY ${role}`);
        await sql(`DROP ROLE ${role}`);
      }
    }

    it('a role that may read the events but not the snapshots replays from the first event', async () => {
      const stream = freshStream('resume-role');
      const writer = open(stream, { snapshotEvery: 2 });
      await writer.append([opened(), aid('a1'), aid('a2')]);
      const got = await asRole(stream, 'truce.events, truce.streams, truce.migrations');
      expect(got.seq).toBeUndefined();
      expect(got.notes).toEqual([
        expect.stringMatching(
          new RegExp(
            `^the stored snapshot cannot be read \\(.*permission denied.*\\), and no stored checkpoint can be read \\(.*permission denied.*\\): stream ${stream} is replayed from its first event$`,
          ),
        ),
      ]);
      expect(got.answer).toBe(await fromFirst(open(stream)));
    });

    it('a role that may read the snapshots but not the checkpoints goes on from the snapshot by date, every event read for the latest instant', async () => {
      const stream = freshStream('resume-role-at');
      const writer = open(stream, { snapshotEvery: 2, checkpointEvery: 2 });
      await writer.append([opened(), aid('a1'), aid('a2')]);
      const rows = await sql<{ at: Date }>(
        'SELECT max(at) AS at FROM truce.events WHERE stream = $1',
        [stream],
      );
      const cut = { at: (rows[0] as { at: Date }).at.toISOString() };
      const got = await asRole(
        stream,
        'truce.events, truce.streams, truce.migrations, truce.snapshots',
        cut,
      );
      expect(got.seq).toBe(3);
      expect(got.answer).toBe(await fromFirst(open(stream), cut));
    });

    it('a snapshot that is damaged, of another truce or past the seq asked for is not used, and the answer is the same', async () => {
      const stream = freshStream('resume-bad');
      const writer = open(stream, { snapshotEvery: 3 });
      await writer.append([opened(), aid('a1'), aid('a2')]);
      await writer.append([aid('a3'), aid('a4')]);
      const [row] = await sql<{ seq: string; replay: Record<string, unknown> }>(
        'SELECT seq, replay FROM truce.snapshots WHERE stream = $1',
        [stream],
      );
      const good = row?.replay as {
        seq: number;
        version: number;
        machine: object;
        projection: object;
      };
      expect(good.seq).toBe(3);
      const reader = open(stream);
      const want = await fromFirst(reader);
      expect((await fromSnapshot(reader)).seq).toBe(3);
      // Written as text, so the keys keep the order given (a jsonb round trip would sort them).
      const store = async (seq: number, replay: unknown) =>
        sql('UPDATE truce.snapshots SET seq = $2, replay = $3::json WHERE stream = $1', [
          stream,
          seq,
          JSON.stringify(replay),
        ]);
      const { flareUps: _dropped, ...withoutFlareUps } = good.projection as Record<string, unknown>;
      const damaged: Array<[string, number, unknown, string]> = [
        ['not a snapshot', 3, { format: 'nonsense' }, 'damaged or of another truce'],
        [
          'another version',
          3,
          { ...good, version: good.version + 1 },
          'damaged or of another truce',
        ],
        [
          'a field missing',
          3,
          { ...good, projection: withoutFlareUps },
          'not a state this truce can go on from',
        ],
        ['past the head', 9, { ...good, seq: 9 }, 'damaged or of another truce'],
        ['a seq not its row', 2, good, 'damaged or of another truce'],
        [
          'a state the machine has not',
          3,
          { ...good, machine: { ...good.machine, value: 'nowhere' } },
          'not a state this truce can go on from',
        ],
      ];
      for (const [what, seq, replay, why] of damaged) {
        await store(seq, replay);
        const got = await fromSnapshot(reader);
        expect(got.seq, what).toBeUndefined();
        expect(got.notes, what).toEqual([
          `the stored snapshot is ${why}, and no stored checkpoint comes before: stream ${stream} is replayed from its first event`,
        ]);
        expect(got.answer, what).toBe(want);
      }
      await store(3, good);
      const early = await fromSnapshot(reader, { until: 2 });
      expect(early.seq).toBeUndefined();
      expect(early.notes).toEqual([
        `the stored snapshot is at seq 3, after seq 2, and no stored checkpoint comes before: stream ${stream} is replayed from its first event`,
      ]);
      expect(early.answer).toBe(await fromFirst(reader, { until: 2 }));
      await sql('DELETE FROM truce.snapshots WHERE stream = $1', [stream]);
      expect((await fromSnapshot(reader)).notes).toEqual([
        `no snapshot is stored, and no stored checkpoint comes before: stream ${stream} is replayed from its first event`,
      ]);
    });
  });
  describe('state, snapshots and live updates', () => {
    it("an inspector session of a long stream reads an older window's events again from it, from their seq on", async () => {
      const lines = toJsonl([...generatedLog({ events: 2600, seed: 31 })])
        .split('\n')
        .filter(Boolean);
      const store = open(freshStream('window'));
      await store.importLog(Buffer.from(`${lines.join('\n')}\n`), { file: 'generated.jsonl' });
      const session = new LogSession('generated', { source: store.logSource() });
      try {
        await session.refresh();
        expect(session.count).toBe(2600);
        const oracle = actorSteps(lines);
        await expectWindows(session, oracle, [
          [0, 1000],
          [1, 2],
          [700, 1700],
          [1599, 2600],
        ]);
        // A report between two kept states replays the events after the first, read again.
        const want = await replayLog(store.logSource().chunks(), { until: 1300, file: 'stream' });
        expect(JSON.stringify(await session.report(1300))).toBe(JSON.stringify(want.report));
      } finally {
        session.close();
      }
    });

    it('a second process (a fresh store) checks appends against the stored state, via the snapshot', async () => {
      const stream = freshStream('snap');
      const writer = open(stream, { snapshotEvery: 5 });
      await writer.append([opened()]);
      for (let i = 0; i < 12; i++) await writer.append([aid(`a${i}`)]);
      const rows = await sql<{ seq: string }>('SELECT seq FROM truce.snapshots WHERE stream = $1', [
        stream,
      ]);
      expect(Number(rows[0]?.seq)).toBeGreaterThanOrEqual(5);
      const other = open(stream);
      // Still rejected by the machine: a phase cannot start with nothing agreed.
      await expect(
        other.append([
          {
            id: 'p',
            type: 'phase.started',
            at: '2023-11-25T00:00:00Z',
            data: { phase: 1 },
          } as NewEvent,
        ]),
      ).rejects.toMatchObject({ code: 'REJECTED_EVENT' });
      expect(await other.append([aid('b')])).toMatchObject({ seqs: [14] });
      // The first store's cache is stale now: it must reload, not reuse seq 13.
      expect(await writer.append([aid('c')])).toMatchObject({ seqs: [15] });
    });

    it('a stored snapshot that does not match the machine is ignored (it is only a cache)', async () => {
      const stream = freshStream('badsnap');
      const writer = open(stream, { snapshotEvery: 2 });
      await writer.append([opened(), aid('a1'), aid('a2')]);
      await sql(`UPDATE truce.snapshots SET replay = '{"format":"nonsense"}' WHERE stream = $1`, [
        stream,
      ]);
      expect(await open(stream).append([aid('a3')])).toMatchObject({ seqs: [4] });
    });

    it('a single append on a stream this store knows is three round trips: lock with the ids, write with head and notify, commit', async () => {
      const pool = new pg.Pool({ connectionString: url(), max: 2 });
      const statements: string[] = [];
      // Counts what each client of the pool the store is handed sends.
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
          ...args: unknown[]
        ) => {
          statements.push(String(args[0]).trim().split(/\s+/).slice(0, 2).join(' '));
          return query(...args);
        };
      });
      try {
        const store = open(freshStream('trips'), { pool, snapshotEvery: 1_000 });
        await store.append([opened(), aid('a1')]);
        statements.length = 0;
        expect(await store.append([aid('a2')])).toMatchObject({ seqs: [3], written: 1 });
        expect(statements).toEqual(['BEGIN; SET', 'WITH inserted', 'COMMIT']);
        // A retry of a stored id: the ids come back with the lock, nothing is written.
        statements.length = 0;
        expect(await store.append([aid('a2')])).toMatchObject({ seqs: [3], written: 0 });
        expect(statements).toEqual(['BEGIN; SET', 'COMMIT']);
        expect(await store.head()).toBe(3);
      } finally {
        await pool.end();
      }
    });

    it('every page of events a read asks for names its own seqs, so the index answers it in its size whatever the planner knows of the stream', async () => {
      const pool = new pg.Pool({ connectionString: url(), max: 2 });
      const ranges: Array<[number, number]> = [];
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
          ...args: unknown[]
        ) => {
          const [text, values] = args as [unknown, unknown[] | undefined];
          if (
            /FROM truce\.events WHERE stream = \$1 AND seq >= \$2 AND seq <= \$3/.test(String(text))
          ) {
            ranges.push([Number(values?.[1]), Number(values?.[2])]);
          }
          return query(...args);
        };
      });
      try {
        const stream = freshStream('pages');
        const text = toJsonl([...generatedLog({ events: 2_500, seed: 2 })]);
        // No snapshot: a first append then reads every event after none.
        await open(stream, { pool, snapshotEvery: 10_000 }).importLog(Buffer.from(text), {
          file: 'pages.jsonl',
        });
        // A re-import compares the stream's lines with the file's, a page at a time.
        await open(stream, { pool }).importLog(Buffer.from(text), { file: 'pages.jsonl' });
        const reader = open(stream, { pool });
        expect((await readAll(reader)).length).toBe(2_500);
        expect(Buffer.concat(await collect(reader.lines({ exact: true }))).toString()).toBe(text);
        await open(stream, { pool, snapshotEvery: 10_000 }).append([aid('after')]);
        // Read by pages above: the re-import's comparison, readAll, export and the append's replay.
        const spans = ranges.map(([from, to]) => to - from + 1);
        expect(spans.filter((span) => span === PAGE).length).toBeGreaterThanOrEqual(8);
        expect(Math.max(...spans)).toBe(PAGE);
      } finally {
        await pool.end();
      }
    });

    it('ids with quotes, backslashes and SQL are matched as ids: a retry is recognised, nothing runs', async () => {
      const store = open(freshStream('quotes'));
      const hostile = ["o'brien", "x'); DROP TABLE truce.events; --", 'back\\slash', 'dollar$$q$$'];
      await store.append([opened(), ...hostile.map((id) => aid(id))]);
      expect(await store.append(hostile.map((id) => aid(id)))).toMatchObject({
        seqs: [2, 3, 4, 5],
        written: 0,
      });
      expect(await store.head()).toBe(5);
    });

    it('the events table refuses updates and deletes: stored events are evidence', async () => {
      const store = open();
      await store.append([opened()]);
      await expect(
        sql(`UPDATE truce.events SET type = 'x' WHERE stream = $1`, [store.stream]),
      ).rejects.toThrow(/append-only/);
      await expect(
        sql('DELETE FROM truce.events WHERE stream = $1', [store.stream]),
      ).rejects.toThrow(/append-only/);
    });

    it('watch() hears every append from another store (LISTEN/NOTIFY), and not those of other streams', async () => {
      const stream = freshStream('live');
      const reader = open(stream);
      const writer = open(stream);
      const elsewhere = open();
      await writer.append([opened()]);
      let heard = 0;
      const stop = await reader.watch(() => {
        heard++;
      });
      try {
        await elsewhere.append([opened()]);
        await writer.append([aid('a1')]);
        await eventually(async () => heard >= 1, 'the notification');
        await writer.append([aid('a2')]);
        await eventually(async () => heard >= 2, 'the second notification');
        expect(heard).toBe(2);
      } finally {
        await stop();
      }
    });
    it('an import in parts is heard once, as it commits: the head moves with its last part', async () => {
      const stream = freshStream('live');
      const reader = open(stream);
      const writer = open(stream);
      let heard = 0;
      const stop = await reader.watch(() => {
        heard++;
      });
      try {
        const bytes = readFileSync(join(root, 'examples', 'november-2023.jsonl'));
        await writer.importLog(dribbled(bytes), { file: 'f.jsonl', batch: 3 });
        await eventually(async () => heard >= 1, 'the notification');
        // Notifications come in commit order: the append's is heard after all of the import's.
        await writer.append([aid('after')]);
        await eventually(async () => heard >= 2, 'the second notification');
        expect(heard).toBe(2);
      } finally {
        await stop();
      }
    });
  });

  describe('failures are sentences without the password', () => {
    it('a missing schema says to run truce db migrate', async () => {
      const bare = `bare_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE DATABASE ${bare}`);
      const base = new URL(url());
      base.pathname = `/${bare}`;
      const store = open('x', { url: base.toString() });
      const error = await store.head().catch((e) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toMatch(
        /has no truce tables .*; run truce db migrate --store URL first$/,
      );
      expect(await migrateDatabase(base.toString())).toEqual({ applied: [1, 2], version: 2 });
      expect(await migrateDatabase(base.toString())).toEqual({ applied: [], version: 2 });
      expect(await store.head()).toBe(0);
    });

    it('a database of schema version 1 says to migrate; the migration adds the checkpoints and keeps every stream', async () => {
      const older = `older_${randomBytes(4).toString('hex')}`;
      await sql(`CREATE DATABASE ${older}`);
      const base = new URL(url());
      base.pathname = `/${older}`;
      expect(await migrateDatabase(base.toString())).toEqual({ applied: [1, 2], version: 2 });
      const writer = open('kept', { url: base.toString(), snapshotEvery: 1, checkpointEvery: 2 });
      await writer.append([opened(), aid('a1'), aid('a2')]);
      await writer.close();
      /** SQL on the older database. */
      const inOlder = async (text: string) => {
        const client = new pg.Client({ connectionString: base.toString() });
        await client.connect();
        try {
          return (await client.query(text)).rows;
        } finally {
          await client.end();
        }
      };
      // Back to version 1, as a database of the truce before.
      await inOlder('DROP TABLE truce.checkpoints');
      await inOlder('DELETE FROM truce.migrations WHERE version = 2');
      const reader = open('kept', { url: base.toString() });
      const error = await reader.head().catch((e) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toMatch(
        /has truce schema version 1, this truce needs 2; run truce db migrate --store URL$/,
      );
      expect(await migrateDatabase(base.toString())).toEqual({ applied: [2], version: 2 });
      const again = open('kept', { url: base.toString(), snapshotEvery: 1, checkpointEvery: 2 });
      expect((await readAll(again)).map((event) => event.id)).toEqual(['open', 'a1', 'a2']);
      // The stream's checkpoints start again as it grows past the next multiple.
      await again.append([aid('a3')]);
      expect(
        await inOlder("SELECT seq::int AS seq FROM truce.checkpoints WHERE stream = 'kept'"),
      ).toEqual([{ seq: 4 }]);
    });

    it('a refused connection names the server, never the password', async () => {
      const secret = 'pa55-w0rd-XYZ';
      const store = open('x', {
        url: `postgresql://someone:${secret}@127.0.0.1:1/db?password=${secret}`,
        connectTimeoutMs: 5_000,
      });
      const error = await store.append([opened()]).catch((e) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toBe(
        'cannot connect to PostgreSQL at postgresql://someone:***@127.0.0.1:1/db?password=***: connection refused (is the server running and listening there?)',
      );
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(secret);
      expect(String(error.cause?.stack)).not.toContain(secret);
    });

    it('a refused login is a sentence without the password', async () => {
      // Under trust authentication the server checks no password; a role that may not log in
      // is refused all the same (SQLSTATE 28000).
      await sql(`DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nologin') THEN
          CREATE ROLE nologin NOLOGIN;
        END IF; END $$`);
      const base = new URL(url());
      base.username = 'nologin';
      base.password = 'hunter2-secret';
      const error = await open('x', { url: base.toString() })
        .head()
        .catch((e) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toMatch(
        /^PostgreSQL at postgresql:\/\/nologin:\*\*\*@.* refused the login: /,
      );
      expect(error.message).not.toContain('hunter2-secret');
    });

    it('URLs: only postgresql://, a host, a numeric port; the password is shown as ***', () => {
      expect(() => parseStoreUrl('mysql://x/y')).toThrow(/only postgresql:\/\/ URLs/);
      expect(() => parseStoreUrl('localhost:5432')).toThrow(/does not start with postgresql:\/\//);
      expect(() => parseStoreUrl('postgresql:///db')).toThrow(/names no host/);
      expect(() => parseStoreUrl('postgresql://u:p@ss@h/db')).toThrow(/percent-encoded/);
      let error: TruceError | undefined;
      try {
        parseStoreUrl('postgresql://u:secret@h:port/db');
      } catch (e) {
        error = e as TruceError;
      }
      expect(error?.code).toBe('USAGE');
      expect(error?.message).not.toContain('secret');
      expect(parseStoreUrl('postgresql:///db?host=/run/postgresql').redacted).toBe(
        'postgresql:///db?host=/run/postgresql',
      );
      expect(redactUrl('postgres://me:p%40ss@h/d?sslpassword=x&a=1')).toBe(
        'postgres://me:***@h/d?sslpassword=***&a=1',
      );
    });
  });
});

/**
 * Every stored checkpoint of `stream` is the snapshot of a replay of its events up to its seq
 * (`events` when the test knows them, else the stream's as read, replayed from the first, not
 * through the store), and its `max_at` the latest instant among them. Returns the seqs.
 */
async function expectCheckpointsReplays(
  stream: string,
  events?: readonly TruceEvent[],
): Promise<number[]> {
  const rows = await sql<{ seq: string; max_at: Date; replay: unknown }>(
    'SELECT seq, max_at, replay FROM truce.checkpoints WHERE stream = $1 ORDER BY seq',
    [stream],
  );
  const lines = (events ?? (await readAll(open(stream)))).map(
    (event) => `${JSON.stringify(event)}\n`,
  );
  for (const row of rows) {
    const seq = Number(row.seq);
    const upTo = lines.slice(0, seq);
    const { replayer } = await replayLog(dribbled(Buffer.from(upTo.join(''))), { file: stream });
    expect(row.replay, `${stream} at ${seq}`).toEqual(
      JSON.parse(JSON.stringify(replayer.snapshot())),
    );
    const latest = Math.max(...upTo.map((line) => Date.parse(JSON.parse(line).at)));
    expect(row.max_at.getTime(), `${stream} at ${seq}`).toBe(latest);
  }
  return rows.map((row) => Number(row.seq));
}

function lineReader(lines: ReturnType<typeof createInterface>): () => Promise<string> {
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => {
    const take = waiting.shift();
    if (take) take(line);
    else queue.push(line);
  });
  return () =>
    new Promise((resolve) => {
      const line = queue.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
