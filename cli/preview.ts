import { open } from 'node:fs/promises';
import {
  decodeEvent,
  eventWarnings,
  formatPosition,
  type ReadLogOptions,
  readLog,
  type TruceEvent,
} from '../events/index.js';
import { Replayer } from '../replay/index.js';
// The store's modules one by one, not its barrel (see cli/source.ts, which imports this).
import { committedEnd, committedSize } from '../store/committedSize.js';
import type { AppendOptions, NewEvent } from '../store/eventStore.js';
import { lastWholeLine } from '../store/logFile.js';
import { type LogState, prepareAppend } from '../store/prepareAppend.js';
import { formatStatus } from './format.js';

/** Options of {@link previewAppend}. */
export interface PreviewAppendOptions extends AppendOptions {
  /** What the batch is called in messages (`the new event`, `stdin`, a file name). */
  batchName: string;
  /** Where to read the log from instead of the file `log` (a PostgreSQL stream). */
  read?: { source: string | AsyncIterable<Uint8Array>; options: ReadLogOptions };
}

/** What an append would do, found without writing anything. */
export interface AppendPreview {
  /** `warning: …` sentences, the ones `truce validate` would give for the new events. */
  warnings: string[];
  /** The log lines that would be written, each ending in `\n` (empty when every id is known). */
  text: string;
  /** The status line after them. */
  status: string;
}

/**
 * Reads the whole log, then checks a batch against it exactly as an append does (ids, the
 * expected version, the catalogue, the statechart) without writing: `truce append --dry-run`.
 * Throws what the append would throw.
 *
 * @example
 * const { text, status } = await previewAppend('deal.jsonl', [event], { batchName: 'the new event' });
 */
export async function previewAppend(
  log: string,
  events: readonly NewEvent[],
  options: PreviewAppendOptions,
): Promise<AppendPreview> {
  const state: LogState = { head: 0, ids: new Map(), replayer: new Replayer({ file: log }) };
  let previousAt: string | null = null;
  const entries = options.read
    ? readLog(options.read.source, options.read.options)
    : readLog(log, await committedEnd(log));
  for await (const entry of entries) {
    state.replayer.apply(entry.event, entry.line);
    state.ids.set(entry.event.id, entry.event.seq);
    state.head = entry.event.seq;
    previousAt = entry.event.at;
  }
  const warnings = newEventWarnings(events, previousAt, options.batchName);
  const { batchName, read: _read, ...appendOptions } = options;
  const prepared = prepareAppend(state, events, { ...appendOptions, file: log, batchName });
  return { warnings, text: prepared.text, status: formatStatus(state.replayer.report()) };
}

/**
 * The warnings `truce validate` gives, for events about to be appended after an event dated
 * `previousAt`; an event that does not decode gets none (the append reports why it is invalid).
 */
export function newEventWarnings(
  events: readonly NewEvent[],
  previousAt: string | null,
  batchName: string,
): string[] {
  const out: string[] = [];
  let before = previousAt;
  events.forEach((raw, index) => {
    const decoded = decodeEvent({ ...(raw as object), seq: 1 });
    if (!decoded.ok) return;
    const event: TruceEvent = decoded.value;
    const where = formatPosition({ line: index + 1, type: event.type }, batchName);
    for (const warning of eventWarnings(event, before)) {
      out.push(`warning: ${where}: ${warning.message}`);
    }
    before = event.at;
  });
  return out;
}

/**
 * The `at` of the log's last whole event, read backwards from its end (not the whole log), or
 * null when the log is empty, unreadable or its last line is not an event: the append itself
 * then reports the problem.
 */
export async function lastEventAt(log: string): Promise<string | null> {
  try {
    const limit = await committedSize(log);
    const handle = await open(log, 'r');
    try {
      const last = await lastWholeLine(handle, limit);
      if (last === undefined) return null;
      const at = (JSON.parse(last.text.replace(/^\uFEFF/, '')) as { at?: unknown }).at;
      return typeof at === 'string' ? at : null;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}
