import type { PoolClient } from 'pg';
import {
  buildCompleteReadLogOptions,
  DEFAULT_MAX_LINE_BYTES,
  LogChecker,
  StoreError,
  splitLines,
} from '../../events/index.js';
import { Replayer, type ReplaySnapshot, resumeReplayer } from '../../replay/index.js';
import { replaySnapshotSchema } from '../snapshot.js';
import { PAGE, pageEnd } from './pgRows.js';
import type { StoreUrl } from './storeUrl.js';

/** A stream's head as its locked row gives it; `createdAt` tells a recreated stream apart. */
export interface LockedStream {
  head: number;
  createdAt: string;
}

/** The statechart after a stream's last event, kept between appends of one process. */
export interface StreamState extends LockedStream {
  replayer: Replayer;
  /** The seq of the snapshot stored in the database. */
  snapshotSeq: number;
  /**
   * The seq up to which the stream's checkpoints were seen to (`truce.checkpoints`): one is
   * stored when the head passes a multiple of the spacing after it
   * ({@link storeCheckpointWhenDue}).
   */
  checkpointMark: number;
}

/** A stream's stored snapshot as this truce can go on from it. */
export interface StoredSnapshot {
  seq: number;
  replay: ReplaySnapshot;
}

/** The row of `truce.snapshots` as the driver gives it (`json` is parsed, its text kept as is). */
export interface SnapshotRow {
  seq: string;
  replay: unknown;
}

/** A stream's snapshot row ({@link SnapshotRow}), none when it has none; `$1`: the stream. */
export const SELECT_SNAPSHOT = 'SELECT seq, replay FROM truce.snapshots WHERE stream = $1';

/**
 * The stored snapshot, or undefined unless it is whole: its envelope as the replay snapshot's
 * schema wants it, of this `REPLAY_SNAPSHOT_VERSION`, at the seq its row names and no further
 * than the stream's head. Whether its state is one this truce can go on from (a state of the
 * chart, this truce's fields) is for the replayer's constructor to say.
 */
export function usableSnapshot(
  row: SnapshotRow | undefined,
  head: number,
): StoredSnapshot | undefined {
  if (row === undefined) return undefined;
  const parsed = replaySnapshotSchema.safeParse(row.replay);
  if (!parsed.success) return undefined;
  const replay = parsed.data as ReplaySnapshot;
  const seq = Number(row.seq);
  if (replay.seq !== seq || seq > head) return undefined;
  return { seq, replay };
}

/** Where a stream is, for the state's queries and its messages. */
export interface StreamRef {
  stream: string;
  /** `stream NAME`, for messages. */
  name: string;
  url: StoreUrl;
}

/**
 * The statechart after the stream's last event, in the open transaction: the stored snapshot
 * (`truce.snapshots`, only a cache: one of another version or seq is ignored) plus the events
 * after it, each checked as the file reader checks a line and folded through the machine.
 *
 * @example
 * const state = await loadStreamState(client, ref, locked);
 */
export async function loadStreamState(
  client: PoolClient,
  ref: StreamRef,
  locked: LockedStream,
): Promise<StreamState> {
  let replayer = new Replayer({ file: ref.name });
  let seq = 0;
  const { rows } = await client.query<SnapshotRow>(SELECT_SNAPSHOT, [ref.stream]);
  const stored = usableSnapshot(rows[0], locked.head);
  // A snapshot this truce cannot use is only a cache: fold from the start.
  const resumed = stored && resumeReplayer(stored.replay, ref.name);
  if (stored !== undefined && resumed !== undefined) {
    replayer = resumed;
    seq = stored.seq;
  }
  const snapshotSeq = seq;
  const checker = new LogChecker(buildCompleteReadLogOptions({ file: ref.name }), {
    line: seq,
    seq,
    ids: { firstLine: () => undefined, add: () => undefined },
  });
  async function* tail(): AsyncGenerator<Uint8Array> {
    let next = seq + 1;
    while (next <= locked.head) {
      const page = await client.query<{ line: string }>(
        'SELECT line FROM truce.events WHERE stream = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4',
        [ref.stream, next, pageEnd(next, locked.head), PAGE],
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
    replayer.apply(entry.event, entry.line);
    seq = entry.event.seq;
  }
  if (seq !== locked.head) {
    throw new StoreError(
      `${ref.name} at ${ref.url.redacted}: its head is seq ${locked.head} but its events end at seq ${seq}`,
    );
  }
  return {
    head: locked.head,
    createdAt: locked.createdAt,
    replayer,
    snapshotSeq,
    checkpointMark: snapshotSeq,
  };
}

/**
 * Moves the state to `head` and, once `every` events lie past the stored snapshot, stores a new
 * one in the open transaction.
 */
export async function advanceStreamState(
  client: PoolClient,
  ref: StreamRef,
  state: StreamState,
  head: number,
  every: number,
  checkpointEvery: number = CHECKPOINT_EVERY,
): Promise<void> {
  state.head = head;
  if (head - state.snapshotSeq < every) return;
  const text = JSON.stringify(state.replayer.snapshot());
  await client.query(
    `INSERT INTO truce.snapshots (stream, seq, replay) VALUES ($1, $2, $3)
     ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, replay = excluded.replay`,
    [ref.stream, head, text],
  );
  state.snapshotSeq = head;
  await storeCheckpointWhenDue(client, ref, state, head, checkpointEvery, text);
}

/**
 * Events between a stream's checkpoints (`truce.checkpoints`): about as far as a replay up to an
 * earlier seq or instant replays past the nearest (0.3 s at a million generated events), for a
 * state of up to 30 MB of JSON stored at each, which the database compresses.
 */
export const CHECKPOINT_EVERY = 65_536;

/**
 * SQL of the latest `at` among stream `$1`'s events up to seq `$2`: the `max_at` of its last
 * checkpoint before that seq, and the latest of the events since (all the events of a
 * million-event stream took 0.47 s to read, those since a checkpoint 16 ms). The `at` column
 * holds each event's instant converted from `Date.parse` of its `at` (pgRows.ts).
 */
export const LATEST_AT_UP_TO = `(WITH before AS (
    SELECT seq, max_at FROM truce.checkpoints WHERE stream = $1 AND seq < $2
    ORDER BY seq DESC LIMIT 1
  )
  SELECT greatest((SELECT max_at FROM before), max(at)) FROM truce.events
  WHERE stream = $1 AND seq <= $2 AND seq > coalesce((SELECT seq FROM before), 0))`;

/**
 * SQL that stores stream `$1`'s replay state `$3` (its JSON text) as the checkpoint at seq `$2`,
 * with the latest `at` of the events up to it, in place of any stored there.
 */
export const STORE_CHECKPOINT = `INSERT INTO truce.checkpoints (stream, seq, max_at, replay)
  VALUES ($1, $2, ${LATEST_AT_UP_TO}, $3)
  ON CONFLICT (stream, seq) DO UPDATE SET max_at = excluded.max_at, replay = excluded.replay`;

/**
 * Stores the replay state at `head` as a checkpoint when the head has passed a multiple of
 * `every` since the state's mark, in the open transaction, with the latest `at` of the events up
 * to it (the checkpoint before it gives that of the events it covers). Only a cache: a failure
 * (a role that may not write the table) is undone to a savepoint and the append goes on.
 */
export async function storeCheckpointWhenDue(
  client: PoolClient,
  ref: StreamRef,
  state: StreamState,
  head: number,
  every: number,
  text?: string,
): Promise<void> {
  const due = Math.floor(head / every) > Math.floor(state.checkpointMark / every);
  state.checkpointMark = head;
  if (!due) return;
  await client.query('SAVEPOINT truce_checkpoint');
  try {
    await client.query(STORE_CHECKPOINT, [
      ref.stream,
      head,
      text ?? JSON.stringify(state.replayer.snapshot()),
    ]);
    await client.query('RELEASE SAVEPOINT truce_checkpoint');
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT truce_checkpoint');
  }
}
