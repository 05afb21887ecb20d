import { IdIndex, type LogEntry, type ReadLogOptions, readLogBatches } from '../events/index.js';
import type { ReplayReport } from '../projections/index.js';
import { Replayer } from './replayer.js';

/** Options of {@link replayLog}. */
export interface ReplayLogOptions extends ReadLogOptions {
  /** Stop after the event with this seq (time travel by position). */
  until?: number;
  /** Stop before the first event that happened after this instant (time travel by date). */
  at?: string;
  /**
   * The instant obligations and the pause day are evaluated at: `at` when given, else the last
   * applied event's time. The clock is never read here (`--as-of now` is the CLI's).
   */
  asOf?: string;
  /**
   * Called after each applied event, with the replayer in the state that event left. A promise
   * it returns is waited for before the next event: an output written as the replay goes
   * (`truce timeline`) holds the replay back while its reader is behind.
   */
  onEvent?: (entry: LogEntry, replayer: Replayer) => void | Promise<void>;
  /**
   * Go on from a state instead of the first line: the source then holds only the lines after
   * event `from.seq`, one line an event as a store's stream keeps them. Their ids are checked
   * among themselves; that they differ from the earlier ones is the store's to keep. `until`
   * must not come before `from.seq`.
   */
  from?: ReplayStart;
}

/** A state a replay goes on from: the replayer after event `seq` (a store's snapshot). */
export interface ReplayStart {
  replayer: Replayer;
  seq: number;
}

/** What a replay reached. */
export interface ReplayOutcome {
  report: ReplayReport;
  /** Events applied, from the first (those before a state it went on from included). */
  events: number;
  /** Why it stopped: the log's end, `until` or `at`. */
  stoppedBy: 'end' | 'until' | 'at';
  replayer: Replayer;
}

/**
 * Streams a log through the statechart and projections: constant memory in the log's length.
 * Throws `ValidationError` at a malformed line and `RejectedEventError` at an illegal event.
 *
 * @example
 * const { report } = await replayLog('examples/november-2023.jsonl', { until: 20 });
 */
export async function replayLog(
  source: string | AsyncIterable<Uint8Array>,
  options: ReplayLogOptions = {},
): Promise<ReplayOutcome> {
  const { until, at, asOf, onEvent, from, ...readOptions } = options;
  const file = readOptions.file ?? (typeof source === 'string' ? source : undefined);
  const limit = at === undefined ? undefined : Date.parse(at);
  if (limit !== undefined && Number.isNaN(limit)) {
    throw new RangeError(`expected an ISO 8601 date-time for --at, found "${at}"`);
  }
  if (from !== undefined && until !== undefined && until < from.seq) {
    throw new RangeError(`cannot replay until seq ${until} from a state after seq ${from.seq}`);
  }
  const replayer = from?.replayer ?? new Replayer(file === undefined ? {} : { file });
  let events = from?.seq ?? 0;
  let stoppedBy: ReplayOutcome['stoppedBy'] = 'end';
  const resume =
    from === undefined ? undefined : { line: from.seq, seq: from.seq, ids: new IdIndex() };
  reading: for await (const entries of readLogBatches(source, readOptions, resume)) {
    // By index: an array's iterator, across the `await` below, made a result object per event.
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as LogEntry;
      if (until !== undefined && entry.event.seq > until) {
        stoppedBy = 'until';
        break reading;
      }
      if (limit !== undefined && Date.parse(entry.event.at) > limit) {
        stoppedBy = 'at';
        break reading;
      }
      replayer.apply(entry.event, entry.line);
      events++;
      const waiting = onEvent?.(entry, replayer);
      if (waiting !== undefined) await waiting;
    }
  }
  const instant = asOf ?? at;
  return {
    report: replayer.report(instant === undefined ? {} : { asOf: instant }),
    events,
    stoppedBy,
    replayer,
  };
}
