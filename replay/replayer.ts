import { type Actor, createActor, type SnapshotFrom } from 'xstate';
import { RejectedEventError, type TruceEvent } from '../events/index.js';
import {
  type DealContext,
  type DealMachine,
  type DecidedEvent,
  dealMachine,
  explainRejection,
  type NextEvent,
  nextEvents,
  statePath,
} from '../machines/index.js';
import {
  type DealProjection,
  initialDealProjection,
  ProjectionFolder,
  type ReplayReport,
  type ReportOptions,
  toReport,
} from '../projections/index.js';

/** Everything needed to resume a replay at a seq without reading the events before it. */
export interface ReplaySnapshot {
  format: 'truce-replay-snapshot';
  version: typeof REPLAY_SNAPSHOT_VERSION;
  seq: number;
  /** The machine's persisted snapshot (XState `getPersistedSnapshot`). */
  machine: unknown;
  projection: DealProjection;
}

/**
 * The version of {@link ReplaySnapshot}: 2 since the machine's context keeps its proposals in
 * tables. A snapshot of another version is refused (a store then rebuilds it from the log).
 */
export const REPLAY_SNAPSHOT_VERSION = 4;

/** Options of {@link Replayer}. */
export interface ReplayerOptions {
  /** Resume from a snapshot taken by {@link Replayer.snapshot}. */
  from?: ReplaySnapshot;
  /** The log's file name, for error messages. */
  file?: string;
}

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
  readonly #folder: ProjectionFolder;
  #seq: number;

  constructor(options: ReplayerOptions = {}) {
    const from = options.from;
    if (
      from &&
      (from.format !== 'truce-replay-snapshot' || from.version !== REPLAY_SNAPSHOT_VERSION)
    ) {
      throw new Error(
        `expected a truce-replay-snapshot of version ${REPLAY_SNAPSHOT_VERSION}, found ${String(from.format)} version ${String(from.version)}`,
      );
    }
    this.#actor = createActor(
      dealMachine,
      from ? { snapshot: from.machine as SnapshotFrom<DealMachine> } : {},
    );
    this.#actor.start();
    this.#folder = new ProjectionFolder(from?.projection ?? initialDealProjection);
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

  /** The event types the current state takes (from the chart), with the machine's verdict now. */
  next(): NextEvent[] {
    return nextEvents(this.#actor.getSnapshot());
  }

  /** The machine's context: what it knows to judge the next event. */
  get context(): DealContext {
    return this.#actor.getSnapshot().context;
  }

  /**
   * Applies one event and returns it with what the machine resolved, or throws a
   * {@link RejectedEventError} naming the line and the broken rule when the machine does not
   * take it. A rejected event changes nothing.
   */
  apply(event: TruceEvent, line: number = event.seq): DecidedEvent {
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
    // The machine's own resolution of this event: the projections fold it, never decide it.
    const decided: DecidedEvent = { event, resolution: after.context.resolution };
    this.#folder.fold(decided);
    return decided;
  }

  /** The projections as they stand. */
  projection(): DealProjection {
    return this.#folder.projection();
  }

  /** The DESIGN §6 report as it stands, obligations evaluated at `asOf` (the last event's time by default). */
  report(options: ReportOptions = {}): ReplayReport {
    return toReport(this.projection(), { state: this.state }, options);
  }

  /** A JSON-serialisable snapshot to resume from later. */
  snapshot(): ReplaySnapshot {
    return {
      format: 'truce-replay-snapshot',
      version: REPLAY_SNAPSHOT_VERSION,
      seq: this.#seq,
      machine: this.#actor.getPersistedSnapshot(),
      projection: this.projection(),
    };
  }
}

/**
 * Runs `events` through a fresh machine and returns each with what the machine resolved, for
 * folding projections outside a replay. Throws a {@link RejectedEventError} at an illegal event.
 *
 * @example
 * const projection = evolveDealProjectionMany(initialDealProjection, decideEvents(events));
 */
export function decideEvents(events: readonly TruceEvent[]): DecidedEvent[] {
  const replayer = new Replayer();
  return events.map((event) => replayer.apply(event));
}
