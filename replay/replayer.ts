import { type Actor, createActor, type SnapshotFrom } from 'xstate';
import { RejectedEventError, type TruceEvent } from '../events/index.js';
import {
  type DealContext,
  type DealMachine,
  dealMachine,
  explainRejection,
  statePath,
} from '../machines/index.js';
import {
  type DealProjection,
  evolveDealProjectionMany,
  initialDealProjection,
  type ReplayReport,
  toReport,
} from '../projections/index.js';

/** Everything needed to resume a replay at a seq without reading the events before it. */
export interface ReplaySnapshot {
  format: 'truce-replay-snapshot';
  version: 1;
  seq: number;
  /** The machine's persisted snapshot (XState `getPersistedSnapshot`). */
  machine: unknown;
  projection: DealProjection;
}

/** Options of {@link Replayer}. */
export interface ReplayerOptions {
  /** Resume from a snapshot taken by {@link Replayer.snapshot}. */
  from?: ReplaySnapshot;
  /** The log's file name, for error messages. */
  file?: string;
}

/** How many events the projections take in one immer `produce`. */
const BATCH = 512;

/**
 * The strict fold of a log: each event either moves the deal statechart (a long-lived XState
 * actor) or is rejected with the broken rule; the projections follow every legal event.
 *
 * @example
 * const replayer = new Replayer();
 * for (const event of events) replayer.apply(event);
 * console.log(replayer.report().state);
 */
export class Replayer {
  readonly #actor: Actor<DealMachine>;
  readonly #file: string | undefined;
  #projection: DealProjection;
  #pending: TruceEvent[] = [];
  #seq: number;

  constructor(options: ReplayerOptions = {}) {
    const from = options.from;
    this.#actor = createActor(
      dealMachine,
      from ? { snapshot: from.machine as SnapshotFrom<DealMachine> } : {},
    );
    this.#actor.start();
    this.#projection = from?.projection ?? initialDealProjection;
    this.#seq = from?.seq ?? 0;
    this.#file = options.file;
  }

  /** The seq of the last event applied (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  /** The active state as a dotted path, e.g. `negotiating.proposalOnTable`. */
  get state(): string {
    return statePath(this.#actor.getSnapshot().value);
  }

  /** The machine's context: what it knows to judge the next event. */
  get context(): DealContext {
    return this.#actor.getSnapshot().context;
  }

  /**
   * Applies one event, or throws a {@link RejectedEventError} naming the line and the broken
   * rule when the machine does not take it. A rejected event changes nothing.
   */
  apply(event: TruceEvent, line: number = event.seq): void {
    const before = this.#actor.getSnapshot();
    const done = before.status !== 'active';
    if (!done) this.#actor.send(event);
    const after = this.#actor.getSnapshot();
    if (done || after === before) {
      const path = statePath(before.value);
      throw new RejectedEventError(
        { line, seq: event.seq, type: event.type },
        path,
        explainRejection(path, before.context, event, done),
        this.#file === undefined ? {} : { file: this.#file },
      );
    }
    if (after.status === 'error') {
      throw new Error(`the deal machine failed on seq ${event.seq}: ${String(after.error)}`);
    }
    this.#seq = event.seq;
    this.#pending.push(event);
    if (this.#pending.length >= BATCH) this.#flush();
  }

  /** The projections as they stand. */
  projection(): DealProjection {
    this.#flush();
    return this.#projection;
  }

  /** The DESIGN §6 report as it stands. */
  report(): ReplayReport {
    return toReport(this.projection(), { state: this.state });
  }

  /** A JSON-serialisable snapshot to resume from later. */
  snapshot(): ReplaySnapshot {
    return {
      format: 'truce-replay-snapshot',
      version: 1,
      seq: this.#seq,
      machine: this.#actor.getPersistedSnapshot(),
      projection: this.projection(),
    };
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#projection = evolveDealProjectionMany(this.#projection, this.#pending);
    this.#pending = [];
  }
}
