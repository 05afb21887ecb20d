import type { PoolClient } from 'pg';
import type { TruceEvent } from '../../events/index.js';
import { NOTIFY_CHANNEL } from './pgWatch.js';

/** Lines read per query. */
export const PAGE = 1_000;

/**
 * The last seq of the page of events from `next`, no further than `to`: a stream's seqs have no
 * gaps, so a page's query names its own range, which the index answers in its size whatever
 * the planner thinks of the stream. Asking for everything up to `to` with a `LIMIT` was read,
 * while the table's statistics did not know the stream yet (after an import, until autovacuum
 * analyzed it; for good on a large table a new stream is a small part of), by a bitmap scan and
 * a sort of all the rows left at every page: replaying a million events just imported took 32 s
 * instead of 4.
 */
export function pageEnd(next: number, to: number): number {
  return Math.min(to, next + PAGE - 1);
}

/** Rows inserted per statement. */
const INSERT_ROWS = 1_000;

/** The columns of one event as `truce.events` stores them. */
export interface Row {
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

/** The end of a statement that moves the stream's head and notifies, its parameters numbered. */
function movedAndNotified(stream: string, head: string, channel: string): string {
  return `moved AS (UPDATE truce.streams SET head = ${head} WHERE name = ${stream} RETURNING head)
       SELECT pg_notify(${channel}, json_build_object('stream', ${stream}::text, 'head', (SELECT head FROM moved))::text)`;
}

/**
 * Inserts the rows into `stream`, in the open transaction, and with `head` moves its head there
 * and notifies {@link NOTIFY_CHANNEL}: one statement (one round trip) for a batch of up to 1,000
 * events. An import writes its parts without `head` and moves it with the last.
 *
 * @example
 * await writeRows(client, 'nov-2023', rows, 42);
 */
export async function writeRows(
  client: PoolClient,
  stream: string,
  rows: readonly Row[],
  head: number | undefined,
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    const part = rows.slice(i, i + INSERT_ROWS);
    const columns = [
      stream,
      part.map((r) => r.seq),
      part.map((r) => r.id),
      part.map((r) => r.type),
      part.map((r) => r.v),
      part.map((r) => r.atMs),
      part.map((r) => r.data),
      part.map((r) => r.source),
      part.map((r) => r.recordedMs),
      part.map((r) => r.line),
    ];
    const insert = `INSERT INTO truce.events (stream, seq, id, type, v, at, data, source, recorded_at, line)
       SELECT $1, r.seq, r.id, r.type, r.v, to_timestamp(r.at_ms / 1000.0), r.data::jsonb,
              r.source::jsonb, to_timestamp(r.recorded_ms / 1000.0), r.line
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::text[],
                   $8::text[], $9::float8[], $10::text[])
         AS r(seq, id, type, v, at_ms, data, source, recorded_ms, line)`;
    if (i + INSERT_ROWS < rows.length || head === undefined) {
      await client.query(insert, columns);
      continue;
    }
    // The last part moves the head and notifies in the same statement.
    await client.query(
      `WITH inserted AS (${insert} RETURNING 1),
            ${movedAndNotified('$1', '$11', '$12')},
              (SELECT count(*) FROM inserted) AS inserted`,
      [...columns, head, NOTIFY_CHANNEL],
    );
  }
  if (rows.length === 0 && head !== undefined) {
    await client.query(`WITH ${movedAndNotified('$1', '$2', '$3')}`, [
      stream,
      head,
      NOTIFY_CHANNEL,
    ]);
  }
}

/** The columns of one event, from the decoded event and its line as it will be stored. */
export function rowOf(event: TruceEvent, line: string): Row {
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

/** A line without BOM and line end: what `readLog` calls its text. */
export function bare(line: string): string {
  return line.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
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
