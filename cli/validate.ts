import type { Command } from 'commander';
import {
  eventWarnings,
  formatPosition,
  type LogEntry,
  type ReadLogOptions,
  readLogBatches,
} from '../events/index.js';
import { Replayer } from '../replay/index.js';
import { boundHeapForLongReplay, isLongRead } from './boundedHeap.js';
import { withLogErrorJson } from './logErrorJson.js';
import { startProgress } from './progress.js';
import { LOG_ARGUMENT, openLog, type StoreSelection, storeOption, streamOption } from './source.js';

/** What the format-level check of a log found. */
export interface FormatSummary {
  /** How many events the log holds. */
  events: number;
  /** The seq of the last event, 0 for an empty log. */
  lastSeq: number;
}

/** Options of {@link checkLogFormat}. */
export interface CheckLogFormatOptions extends ReadLogOptions {
  /** Called with every event in order, e.g. to fold it through the statechart. */
  onEntry?: (entry: LogEntry) => void;
}

/**
 * The format-level step of `truce validate`: reads the whole log and checks every line against
 * the log format and the event catalogue, throwing a `ValidationError` at the first bad line.
 * Later steps (the statechart) hook in through `onEntry` or run after it.
 *
 * @example
 * const { events } = await checkLogFormat('deal.jsonl');
 */
export async function checkLogFormat(
  file: string | AsyncIterable<Uint8Array>,
  options: CheckLogFormatOptions = {},
): Promise<FormatSummary> {
  const { onEntry, ...readOptions } = options;
  let events = 0;
  let lastSeq = 0;
  // A chunk of entries at a time: one await per 64 KiB, not per line.
  for await (const entries of readLogBatches(file, readOptions)) {
    for (const entry of entries) {
      events++;
      lastSeq = entry.event.seq;
      onEntry?.(entry);
    }
  }
  return { events, lastSeq };
}

/** `deal.jsonl: 57 events, valid` */
export function formatValidSummary(file: string, summary: FormatSummary): string {
  return `${file}: ${summary.events} ${summary.events === 1 ? 'event' : 'events'}, valid`;
}

/** Options of `truce validate`. */
interface ValidateOptions extends StoreSelection {
  formatOnly?: boolean;
  json?: boolean;
}

/**
 * Adds `truce validate LOG`: checks a log and prints how many events it holds, or the first
 * problem (exit 1).
 *
 * @example
 * registerValidate(program); // truce validate deal.jsonl
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check a log: every line a valid event, seq and ids in order, and every event legal in the statechart',
    )
    .argument('[log]', LOG_ARGUMENT)
    .addOption(storeOption())
    .addOption(streamOption())
    .option('--format-only', 'check the format only, without running the statechart')
    .option(
      '--json',
      'print one JSON object: {ok: true, events, lastSeq, state}, or {ok: false, error: {line, seq, type, state, code, message}}',
    )
    .action(async (given: string | undefined, options: ValidateOptions) => {
      const json = options.json === true;
      const opened = openLog(given, options);
      const log = opened.name;
      const replayer = options.formatOnly ? null : new Replayer({ file: log });
      let previousAt: string | null = null;
      const summary = await withLogErrorJson(json, async () => {
        const { source, options: read, events: toRead } = await opened.readable();
        const progress = startProgress({ what: `validating ${log}`, totalBytes: read.end });
        // This process is the command's: a long log's statechart and folds keep its heap small,
        // as a replay's do (`cli/boundedHeap.ts`); nothing is written after, so no collection.
        const heap = isLongRead({ end: read.end, events: toRead })
          ? boundHeapForLongReplay()
          : undefined;
        let events = 0;
        try {
          return await checkLogFormat(source, {
            ...read,
            onEntry: (entry) => {
              replayer?.apply(entry.event, entry.line);
              const { seq, type } = entry.event;
              for (const warning of eventWarnings(entry.event, previousAt)) {
                progress.note(
                  `warning: ${formatPosition({ line: entry.line, seq, type }, log)}: ${warning.message}\n`,
                );
              }
              previousAt = entry.event.at;
              progress.update(++events, entry.end);
              if ((events & 1023) === 0) heap?.watch(events);
            },
          });
        } finally {
          progress.done();
        }
      });
      if (json) {
        const state = replayer ? replayer.state : null;
        process.stdout.write(`${JSON.stringify({ ok: true, ...summary, state })}\n`);
        return;
      }
      const state = replayer ? ` (ends in state ${replayer.state})` : ' (format only)';
      process.stdout.write(`${formatValidSummary(log, summary)}${state}\n`);
    });
}
