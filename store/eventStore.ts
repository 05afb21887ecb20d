import type { EventOf, EventType, TruceEvent } from '../events/index.js';

/**
 * An event to append: a log line without its `seq`, which the store assigns. Every event needs
 * an `id`, the idempotency key of the append (DESIGN §3).
 */
export type NewEvent = { [T in EventType]: Omit<EventOf<T>, 'seq'> & { seq?: never } }[EventType];

/** Options of {@link EventStore.append}. */
export interface AppendOptions {
  /**
   * Append only if the log's last seq is this one (0 for an empty log); otherwise throw a
   * `ConcurrencyError` naming the actual head. Checked under the store's write lock.
   */
  expectedVersion?: number;
}

/** What an append did. */
export interface AppendResult {
  /**
   * The seq of each event of the batch, in order: the one just assigned, or, for an event whose
   * `id` was already in the log, the seq it already had.
   */
  seqs: number[];
  /** How many events were written: 0 when every event of the batch was already in the log. */
  written: number;
  /** The log's last seq after the append. */
  head: number;
}

/** Options of {@link EventStore.read}. */
export interface ReadOptions {
  /** The first seq to yield (1 by default: the whole log). */
  from?: number;
}

/**
 * An append-only store of one negotiation's events (DESIGN §3, §8). Every adapter keeps the
 * same promises, proved by the contract suite in `test/store/contract.ts`:
 * - an append is all or nothing, checked against the deal statechart before anything is written;
 * - an event whose `id` is already stored is not written again; the append reports its seq;
 * - with `expectedVersion`, exactly one of two racing writers succeeds;
 * - a read sees whole, acknowledged events only and never waits for a writer.
 *
 * @example
 * const store = new FileEventStore('deal.jsonl');
 * const { seqs } = await store.append([event], { expectedVersion: await store.head() });
 * for await (const e of store.read({ from: 1 })) console.log(e.seq, e.type);
 */
export interface EventStore {
  /**
   * Appends a batch of events, all or none. Throws `ValidationError` (a malformed event or a
   * repeated id in the batch), `RejectedEventError` (the statechart refuses an event),
   * `ConcurrencyError` (`expectedVersion` is not the head) or `StoreError` (I/O); in every case
   * the log is left as it was.
   */
  append(events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Yields the stored events in seq order, starting at `from`. */
  read(options?: ReadOptions): AsyncIterable<TruceEvent>;
  /** The seq of the last stored event, 0 when the store is empty. */
  head(): Promise<number>;
}
