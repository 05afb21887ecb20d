import { type Command, InvalidArgumentError, Option } from 'commander';
import { evolvePartyNames, type PartyNames, timelineEntry } from '../projections/index.js';
import {
  jsonChunks,
  type ReplayLogOptions,
  type ReplayOutcome,
  replayLog,
} from '../replay/index.js';
import { CACHE_MIN_BYTES } from '../store/cacheMinBytes.js';
import {
  BOUND_AFTER_EVENTS,
  BOUNDED_HEAP_MIN_EVENTS,
  boundHeapForLongReplay,
  COLLECT_AFTER_EVENTS,
  isLongRead,
  resumesFar,
} from './boundedHeap.js';
import { isCalendarDate } from './dates.js';
import {
  formatReportPieces,
  formatStatus,
  formatTimelineEntry,
  READABLE_LIST_LIMIT,
} from './format.js';
import { formatNext } from './formatNext.js';
import { withLogErrorJson } from './logErrorJson.js';
import { writeOut, writePieces } from './output.js';
import { startProgress } from './progress.js';
import { LOG_ARGUMENT, openLog, type StoreSelection, withStoreOptions } from './source.js';

/** Options of `truce replay`. */
type ReplayOptions = TimeTravelOptions & { json?: boolean; next?: boolean; full?: boolean };

/** The options `replay`, `status` and `timeline` share. */
interface TimeTravelOptions extends StoreSelection {
  until?: number;
  at?: string;
  asOf?: string;
  /** False with `--no-cache`: the checkpoint cache is neither read nor written. */
  cache?: boolean;
}

function parseSeq(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a seq, a whole number ≥ 1, found "${value}"`);
  }
  return Number(value);
}

function parseDateTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw new InvalidArgumentError(
      `expected an ISO 8601 date or date-time with a zone such as 2023-11-27T12:00:00Z, found "${value}"`,
    );
  }
  // A bare date means the end of that day (UTC): every event of the day is in.
  const at = value.length === 10 ? `${value}T23:59:59.999Z` : value;
  if (!isCalendarDate(value) || Number.isNaN(Date.parse(at))) {
    throw new InvalidArgumentError(`"${value}" is not a real date`);
  }
  return at;
}

function withTimeTravel(command: Command): Command {
  return withStoreOptions(command)
    .addOption(
      new Option('--until <seq>', 'stop after the event with this seq').argParser(parseSeq),
    )
    .addOption(
      new Option(
        '--at <datetime>',
        'stop before the first event after this instant (a bare date means the end of that day, UTC)',
      ).argParser(parseDateTime),
    )
    .addOption(
      new Option(
        '--as-of <datetime>',
        'evaluate deadlines and the pause day at this instant, or now (default: --at, else the last event)',
      ).argParser(parseAsOf),
    )
    .option(
      '--no-cache',
      'neither read nor write the checkpoint cache beside the log (LOG.truce-cache/); for a stream, replay from its first event, not from its stored snapshot',
    );
}

/** `now` reads the clock: the one place truce does; the core only ever gets an instant. */
function parseAsOf(value: string): string {
  return value === 'now' ? new Date().toISOString() : parseDateTime(value);
}

/**
 * What `replayLog` reads: a file up to where a writer holding its lock began (a write in
 * progress is not torn), or a PostgreSQL stream's committed events. With `resume` (`replay`,
 * `status`; not with `--no-cache`), a stream's events from its stored snapshot on, when one
 * serves: the answer is the same as from its first event (test/store/postgres.test.ts, "replay
 * from the stored snapshot").
 */
async function replayInput(
  log: string | undefined,
  options: TimeTravelOptions,
  resume = false,
): Promise<ReplayInput> {
  const {
    source,
    options: read,
    from,
    events,
  } = await openLog(log, options).readable(
    resume && options.cache !== false
      ? {
          ...(options.until === undefined ? {} : { until: options.until }),
          ...(options.at === undefined ? {} : { at: options.at }),
          ...(process.argv.includes('--debug')
            ? { note: (m: string) => process.stderr.write(`note: ${m}\n`) }
            : {}),
        }
      : undefined,
  );
  const out: ReplayLogOptions = { ...read };
  if (from !== undefined) out.from = from;
  if (options.until !== undefined) out.until = options.until;
  if (options.at !== undefined) out.at = options.at;
  if (options.asOf !== undefined) out.asOf = options.asOf;
  // A stream's replay stops at --until: no more than that is read.
  const toRead =
    events === undefined || options.until === undefined
      ? events
      : Math.min(events, Math.max(0, options.until - (from?.seq ?? 0)));
  return [source, out, toRead];
}

/** What {@link replayTarget} replays: the source, how, and a stream's events to read. */
type ReplayInput = [string | AsyncIterable<Uint8Array>, ReplayLogOptions, number | undefined];

/** How {@link replayTarget} runs, beyond what the command line gives. */
interface TargetOptions extends Pick<ReplayLogOptions, 'onEvent'> {
  /**
   * Whether the command writes its output while it replays (`timeline`): then no progress line
   * on the same terminal.
   */
  streamsOutput?: boolean;
  /**
   * Whether the command writes the whole report next (`replay`): after a long replay the
   * collector frees what the replay let go before it is written (cli/boundedHeap.ts), unless
   * it did so already before the checkpoint cache's end was written.
   */
  writesReport?: boolean;
  /**
   * Whether that report lists every entry (`--json`, `--full`): tens of MB of text at the end of
   * a million events, written with a bounded young generation in fewer fresh pages of memory.
   */
  longReport?: boolean;
}

/**
 * Replays what the command names, with a progress line on a terminal (`cli/progress.ts`;
 * `timeline` writes its output as it goes, so none when stdout is that terminal): a file through
 * its checkpoint cache (unless `--no-cache`), a PostgreSQL stream from its start. Why the cache
 * is not used is said under `--debug` only. A long log is replayed with a bounded heap.
 */
async function replayTarget(
  [source, read, toRead]: ReplayInput,
  options: TimeTravelOptions,
  { onEvent, streamsOutput = false, writesReport = false, longReport = false }: TargetOptions = {},
): Promise<ReplayOutcome> {
  const name = read.file ?? (typeof source === 'string' ? source : 'the log');
  const progress = startProgress({
    what: `replaying ${name}`,
    totalBytes: read.end,
    streamsOutput,
  });
  // This process is the command's: a long log's replay may keep its heap small. A query with a
  // target, through the cache, reads a checkpoint's state first and replays little after it;
  // unless a long report follows, its young generation is left to grow while it reads.
  const cached = typeof source === 'string' && options.cache !== false;
  const targeted = read.until !== undefined || read.at !== undefined;
  // A state read from a long stream's stored snapshot is long too: its heap stays bounded (the
  // snapshot was read so, `cli/source.ts`) and is collected before a report is written.
  const fromLong = (read.from?.seq ?? 0) >= BOUNDED_HEAP_MIN_EVENTS;
  const heap =
    isLongRead({ end: read.end, events: toRead }) || fromLong
      ? boundHeapForLongReplay(
          cached && targeted && !longReport ? { youngAfter: BOUND_AFTER_EVENTS } : {},
        )
      : undefined;
  /** Events replayed here (from a checkpoint, only those after it). */
  let events = 0;
  /** Whether the replay's end was collected already (before the checkpoint cache's end). */
  let collected = false;
  /** After a long replay: what it let go is freed before more is written. */
  const collect = () => {
    if ((events < COLLECT_AFTER_EVENTS && !fromLong) || heap === undefined) return;
    heap.collect();
    collected = true;
  };
  let outcome: ReplayOutcome;
  try {
    // Less than the cache's minimum to read: replayed without the cache, as replayLogCached
    // would do by the file's size, and the cache's code (its index's schema, its writers) is
    // not even loaded: about 3 ms of a short log's start.
    if (
      typeof source !== 'string' ||
      options.cache === false ||
      read.end === undefined ||
      read.end < CACHE_MIN_BYTES
    ) {
      outcome = await replayLog(source, {
        ...read,
        onEvent: (entry, replayer) => {
          const waiting = onEvent?.(entry, replayer);
          progress.update(++events, entry.end);
          if ((events & 1023) === 0) heap?.watch(events);
          return waiting;
        },
      });
    } else {
      const debug = process.argv.includes('--debug');
      const { replayLogCached } = await import('../store/cachedReplay.js');
      outcome = await replayLogCached(source, {
        ...read,
        ...(onEvent === undefined ? {} : { onEvent }),
        onProgress: (seq, bytes) => {
          progress.update(seq, bytes);
          if ((++events & 1023) === 0) heap?.watch(events);
        },
        // Before the cache's end (the whole states of its last checkpoints) is written.
        onRead: collect,
        // A query resuming far from its target replays many events: bounded before it reads.
        onResume: (seq, bytes) => {
          if (resumesFar(read, seq, bytes)) heap?.boundYoungNow();
        },
        ...(debug ? { note: (m: string) => progress.note(`note: ${m}\n`) } : {}),
      });
    }
  } finally {
    progress.done();
  }
  // Once is enough: a full collection of a million events' state takes about 90 ms, and after
  // the cache's end only what writing it let go is left (the report peaks far under the replay).
  if (writesReport && !collected) collect();
  return outcome;
}

/** `truce timeline` hands its lines to stdout in chunks of about this many characters. */
const TIMELINE_CHUNK = 64 * 1024;

/**
 * Adds `truce replay`, `truce status` and `truce timeline`: the strict replay of a log through
 * the statechart, as a report, one line, or one line per event.
 *
 * @example
 * registerReplay(program); // truce replay examples/november-2023.jsonl --json
 */
export function registerReplay(program: Command): void {
  withTimeTravel(
    program
      .command('replay')
      .description('replay a log through the statechart and print where the deal stands')
      .argument('[log]', LOG_ARGUMENT)
      .option(
        '--json',
        'print the report as one JSON object (stable keys; see the README, "The JSON report"), or {ok: false, error} for a bad log',
      )
      .option(
        '--next',
        'also list the event types the current state takes, from the statechart (with --json: a "next" key)',
      )
      .addOption(
        new Option(
          '--full',
          `list every flare-up, proposal, aid account and met obligation (the readable report lists the latest ${READABLE_LIST_LIMIT} of each; --json lists them all anyway)`,
        ).conflicts('json'),
      ),
  ).action(async (log: string | undefined, options: ReplayOptions) => {
    const outcome = await withLogErrorJson(options.json === true, async () =>
      replayTarget(await replayInput(log, options, true), options, {
        writesReport: true,
        longReport: options.json === true || options.full === true,
      }),
    );
    if (options.json) {
      const report = options.next
        ? { ...outcome.report, next: outcome.replayer.next() }
        : outcome.report;
      // In pieces, each waited for: a long log's report (every proposal) is larger than the log.
      if (await writePieces(process.stdout, jsonChunks(report))) process.stdout.write('\n');
      return;
    }
    const parties = outcome.replayer.projection().parties;
    const names = Object.fromEntries(Object.entries(parties).map(([id, p]) => [id, p.name]));
    // In pieces, each waited for: the report of a long deal is a hundred thousand lines.
    const pieces = formatReportPieces(
      outcome.report,
      names,
      options.full ? { listLimit: Number.POSITIVE_INFINITY } : {},
    );
    if (!(await writePieces(process.stdout, pieces))) return;
    if (options.next) {
      process.stdout.write(`\n${formatNext(outcome.report.state, outcome.replayer.next())}`);
    }
  });

  withTimeTravel(
    program
      .command('status')
      .description('print one line: state, phase and the headline counts')
      .argument('[log]', LOG_ARGUMENT)
      .option('--next', 'also list the event types the current state takes, from the statechart'),
  ).action(async (log: string | undefined, options: TimeTravelOptions & { next?: boolean }) => {
    const outcome = await replayTarget(await replayInput(log, options, true), options);
    process.stdout.write(formatStatus(outcome.report));
    if (options.next) {
      process.stdout.write(formatNext(outcome.report.state, outcome.replayer.next()));
    }
  });

  withTimeTravel(
    program
      .command('timeline')
      .description('print one plain-language line per event, checking each against the statechart')
      .argument('[log]', LOG_ARGUMENT)
      .option('--json', 'print a JSON array of {seq, at, type, text, source, confidence}'),
  ).action(async (log: string | undefined, options: TimeTravelOptions & { json?: boolean }) => {
    const input = await replayInput(log, options);
    let names: PartyNames = {};
    let first = true;
    const out = process.stdout;
    // Lines go out in chunks of about 64 KB, each waited for while the reader is behind.
    let chunk = options.json ? '[' : '';
    try {
      await replayTarget(input, options, {
        onEvent: ({ event }) => {
          names = evolvePartyNames(names, event);
          const entry = timelineEntry(event, names);
          chunk += options.json
            ? `${first ? '\n' : ',\n'}  ${JSON.stringify(entry)}`
            : `${formatTimelineEntry(entry)}\n`;
          first = false;
          if (chunk.length < TIMELINE_CHUNK) return;
          const piece = chunk;
          chunk = '';
          return writeOut(out, piece).then(() => undefined);
        },
        streamsOutput: true,
      });
    } finally {
      if (options.json) chunk += first ? ']\n' : '\n]\n';
      if (chunk !== '') out.write(chunk);
    }
  });
}
