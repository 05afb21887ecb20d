import type { TruceEvent } from '../events/index.js';
import { Replayer } from '../replay/index.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadOptions,
} from './eventStore.js';
import { type LogState, leftDirty, prepareAppend } from './prepareAppend.js';

/**
 * An {@link EventStore} in memory, for tests and embedding. An append costs O(1) in the number of
 * events stored: the events live in one growing array, ids in a map, and the statechart is kept
 * running after the last event, so only the new events are checked.
 *
 * @example
 * const store = new MemoryEventStore();
 * await store.append([{ id: 'e1', type: 'negotiation.opened', at, data }]);
 */
export class MemoryEventStore implements EventStore {
  readonly #events: TruceEvent[] = [];
  #state: LogState = { head: 0, ids: new Map(), replayer: new Replayer() };

  /** Appends a batch, all or none; see {@link EventStore.append}. */
  async append(events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    let prepared: ReturnType<typeof prepareAppend>;
    try {
      prepared = prepareAppend(this.#state, events, options);
    } catch (error) {
      if (leftDirty(error)) this.#rebuild();
      throw error;
    }
    for (const event of prepared.events) {
      this.#events.push(event);
      this.#state.ids.set(event.id, event.seq);
    }
    this.#state.head = prepared.head;
    return { seqs: prepared.seqs, written: prepared.events.length, head: prepared.head };
  }

  /** Yields the events stored when the read starts, from `from` on. */
  async *read(options: ReadOptions = {}): AsyncGenerator<TruceEvent> {
    const end = this.#events.length;
    for (let i = Math.max(0, (options.from ?? 1) - 1); i < end; i++) {
      yield this.#events[i] as TruceEvent;
    }
  }

  /** The seq of the last event, 0 when empty. */
  async head(): Promise<number> {
    return this.#state.head;
  }

  /** A batch failed halfway through the statechart: fold the stored events again. */
  #rebuild(): void {
    const replayer = new Replayer();
    for (const event of this.#events) replayer.apply(event);
    this.#state.replayer = replayer;
  }
}
