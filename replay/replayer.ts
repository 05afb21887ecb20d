import type { SnapshotFrom } from 'xstate';
import { RejectedEventError, type TruceEvent } from '../events/index.js';
import {
  type ChartState,
  type CompiledChart,
  compiledDealChart,
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
  type ListEdit,
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
  /** The machine's persisted snapshot, as XState's `getPersistedSnapshot` gives it. */
  machine: unknown;
  projection: DealProjection;
}

/**
 * The version of {@link ReplaySnapshot}, raised whenever a replay state of the same log can
 * differ from an older build's: 2 since the machine's context keeps its proposals in tables,
 * 3 for deal model v2, 4 for remains after a permanent ceasefire, 5 since a demand's keys
 * outside the stance terms are no stances (an older state may hold them). A snapshot of another
 * version is refused: a store rebuilds it from the log, the checkpoint cache rebuilds itself.
 */
export const REPLAY_SNAPSHOT_VERSION = 5;

/** Options of {@link Replayer}. */
export interface ReplayerOptions {
  /** Resume from a snapshot taken by {@link Replayer.snapshot}. */
  from?: ReplaySnapshot;
  /** The log's file name, for error messages. */
  file?: string;
  /**
   * False: follow the machine only, folding no projection (the inspector's steps need the
   * states and transitions, and take each report from elsewhere). The machine alone decides
   * what is taken, so the steps are the same; {@link Replayer.report}, `snapshot`,
   * `projection` and `checkpoint` then throw. True by default.
   */
  project?: boolean;
}

/**
 * The strict fold of a log: each event either moves the deal statechart or is rejected with the
 * broken rule; the projections follow every legal event. The chart runs on the executor
 * derived from its XState definition ({@link compiledDealChart}), proven equal to the XState
 * actor step by step; `snapshot()` and `next()` speak XState's snapshots.
 *
 * @example
 * const replayer = new Replayer();
 * for (const event of events) replayer.apply(event);
 * console.log(replayer.report().state);
 */
export class Replayer {
  readonly #chart: CompiledChart<DealContext, TruceEvent>;
  #state: ChartState<DealContext>;
  /** False once the machine failed, or when resumed from a snapshot that was not active. */
  #active: boolean;
  readonly #file: string | undefined;
  /** Undefined for a replayer that follows the machine only (`project: false`). */
  readonly #folder: ProjectionFolder | undefined;
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
    this.#chart = compiledDealChart();
    if (from) {
      const machine = from.machine as SnapshotFrom<DealMachine>;
      const path = statePath(machine.value);
      // A snapshot is read back from a cache: one naming no state of the chart is refused
      // here, not by the chart at the next event.
      if (!this.#chart.isLeaf(path)) {
        throw new Error(`expected a snapshot in a state of the deal chart, found "${path}"`);
      }
      // Nor one whose state has other fields than this truce's: written by a truce before a
      // field was added (a cache of any kind: the sidecar, a checkpoint, a stream's row).
      const fields = fieldsOf(from.projection, machine.context);
      if (fields !== fieldsOf(initialDealProjection, this.#chart.initial.context)) {
        throw new Error(
          `expected a snapshot with the fields of this truce's state, found ${fields}`,
        );
      }
      this.#state = { path, context: machine.context };
      this.#active = machine.status === 'active';
    } else {
      this.#state = this.#chart.initial;
      this.#active = true;
    }
    this.#folder =
      options.project === false
        ? undefined
        : new ProjectionFolder(from?.projection ?? initialDealProjection);
    this.#seq = from?.seq ?? 0;
    this.#file = options.file;
  }

  /** The seq of the last event applied (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  /** The active state as a dotted path, e.g. `negotiating.proposalOnTable`. */
  get state(): string {
    return this.#state.path;
  }

  /** The event types the current state takes (from the chart), with the machine's verdict now. */
  next(): NextEvent[] {
    return nextEvents(this.#snapshot());
  }

  /** The machine's context: what it knows to judge the next event. */
  get context(): DealContext {
    return this.#state.context;
  }

  /**
   * Applies one event and returns it with what the machine resolved, or throws a
   * {@link RejectedEventError} naming the line and the broken rule when the machine does not
   * take it. A rejected event changes nothing. Given `taken`, appends to it XState's definition
   * of each transition the event took (the executor's `send`): the inspector draws them.
   */
  apply(event: TruceEvent, line: number = event.seq, taken?: unknown[]): DecidedEvent {
    const before = this.#state;
    const done = !this.#active;
    let after: ChartState<DealContext> | null = null;
    if (!done) {
      try {
        after = this.#chart.send(before, event, taken);
      } catch (error) {
        this.#active = false;
        throw new Error(`the deal machine failed on seq ${event.seq}: ${String(error)}`, {
          cause: error,
        });
      }
    }
    if (after === null) {
      throw new RejectedEventError(
        { line, seq: event.seq, type: event.type },
        before.path,
        explainRejection(before.path, before.context, event),
        this.#file === undefined ? {} : { file: this.#file },
      );
    }
    this.#state = after;
    this.#seq = event.seq;
    // The machine's own resolution of this event: the projections fold it, never decide it.
    const decided: DecidedEvent = { event, resolution: after.context.resolution };
    this.#folder?.fold(decided);
    return decided;
  }

  /** The projections as they stand. */
  projection(): DealProjection {
    return this.#projecting().projection();
  }

  /** The DESIGN §6 report as it stands, obligations evaluated at `asOf` (the last event's time by default). */
  report(options: ReportOptions = {}): ReplayReport {
    return toReport(this.projection(), { state: this.state }, options);
  }

  /** A JSON-serialisable snapshot to resume from later. */
  snapshot(): ReplaySnapshot {
    return this.#resumable(this.projection());
  }

  /** A snapshot of the machine as it stands with `projection`. */
  #resumable(projection: DealProjection): ReplaySnapshot {
    // XState persists a context by walking all of it for actors to replace by their ids; the
    // deal machine spawns none, so the walk would copy nothing (the context is plain JSON) and
    // costs as much as the whole state, at every checkpoint. The context is taken as it is, in
    // XState's place for it (the executor property test compares with XState's own snapshot).
    const machine = dealMachine.getPersistedSnapshot(this.#snapshot({} as DealContext));
    return {
      format: 'truce-replay-snapshot',
      version: REPLAY_SNAPSHOT_VERSION,
      seq: this.#seq,
      machine: { ...(machine as object), context: this.#state.context },
      projection,
    };
  }

  /**
   * A snapshot for a checkpoint of the replay cache, with the entries of the projection's long
   * lists replaced or appended since the previous checkpoint (or since this replayer was made),
   * at `projection[list][index]` of the snapshot. With `keep`, the
   * snapshot is {@link snapshot}'s; without, the long lists in it go on growing with the next
   * events (they are not copied at every checkpoint): it is to be read at once, never kept.
   *
   * @example
   * const { state, lists } = replayer.checkpoint(false);
   */
  checkpoint(keep: boolean): { state: ReplaySnapshot; lists: ListEdit[] } {
    const { projection, lists } = this.#projecting().checkpoint(keep);
    return { state: this.#resumable(projection), lists };
  }

  #projecting(): ProjectionFolder {
    if (this.#folder === undefined) {
      throw new Error(
        'this replayer follows the machine only (project: false): it has no projections',
      );
    }
    return this.#folder;
  }

  /** The state as an XState snapshot of the deal machine (with another context, if given). */
  #snapshot(context: DealContext = this.#state.context): SnapshotFrom<DealMachine> {
    const snapshot = dealMachine.resolveState({
      value: this.#chart.valueOf(this.#state.path),
      context,
    });
    return this.#active
      ? snapshot
      : ({ ...snapshot, status: 'error', error: undefined } as SnapshotFrom<DealMachine>);
  }
}

/**
 * A replayer going on from a stored state (a sidecar, a checkpoint of the cache, a stream's
 * snapshot or checkpoint), or undefined when this truce cannot go on from it (a state the chart
 * has not, fields not its own): a stored state that does not fit is a cache not used, never an
 * error.
 *
 * @example
 * const replayer = resumeReplayer(loaded.replay, 'deal.jsonl') ?? new Replayer({ file });
 */
export function resumeReplayer(from: ReplaySnapshot, file?: string): Replayer | undefined {
  try {
    return new Replayer({ from, ...(file === undefined ? {} : { file }) });
  } catch {
    return undefined;
  }
}

/** The fields of a state's projection and machine context, in order, as one string. */
function fieldsOf(projection: unknown, context: unknown): string {
  const keys = (value: unknown) =>
    typeof value === 'object' && value !== null ? Object.keys(value) : null;
  return JSON.stringify([keys(projection), keys(context)]);
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
