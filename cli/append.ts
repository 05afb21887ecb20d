import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ioReason, StoreError, TruceError, ValidationError } from '../events/index.js';
import type { AppendResult, NewEvent } from '../store/index.js';
import { randomUUID } from '../store/nodeCrypto.js';
import { parseEventTime } from './dates.js';
import { noteCommitted } from './output.js';
import { newEventWarnings, previewAppend } from './preview.js';
import { startProgress } from './progress.js';
import { type OpenLog, openLog, type StoreSelection, storeOption, streamOption } from './source.js';

/** The `--source-*` and `--confidence` options shared by `init` and `append`. */
export interface SourceOptions {
  sourceName?: string;
  sourceUrl?: string;
  confidence?: string;
}

/** Options of `truce append`. */
export interface AppendCommandOptions extends SourceOptions, StoreSelection {
  type?: string;
  data?: string;
  id?: string;
  at?: string;
  expect?: number;
  from?: string;
  dryRun?: boolean;
}

/** The log file's size, for the progress line's share; undefined for a stream. */
async function sizeOf(opened: OpenLog): Promise<number | undefined> {
  if (opened.target.kind !== 'file') return undefined;
  return stat(opened.target.path).then(
    (found) => found.size,
    () => undefined,
  );
}

/** A fresh unique event id for events appended without `--id`. */
export function eventId(): string {
  return randomUUID();
}

/** The current instant as ISO 8601 UTC, to the second: the default `--at`. */
export function isoNow(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/** `{ source: {...} }` from the source options, or nothing when none is given. */
export function sourceOf(options: SourceOptions): { source?: Record<string, string> } {
  const source: Record<string, string> = {};
  if (options.sourceName !== undefined) source.name = options.sourceName;
  if (options.sourceUrl !== undefined) source.url = options.sourceUrl;
  if (options.confidence !== undefined) source.confidence = options.confidence;
  return Object.keys(source).length === 0 ? {} : { source };
}

/** Parses `--expect`: the seq the log must end at, a whole number ≥ 0. */
export function parseExpect(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new TruceError(
      'USAGE',
      `--expect expects the seq the log ends at (0 or more), found "${value}"`,
    );
  }
  return Number(value);
}

/**
 * Parses a batch of JSON Lines into new events. Each line is one event object; a `seq` is ignored
 * (the store assigns it) and an `id` is required, so that running the same batch again after a
 * crash appends nothing twice. A last line without `\n` and CRLF line ends are accepted.
 *
 * @example
 * parseBatch('{"id":"e1","type":"aid.delivered",...}\n', 'batch.jsonl');
 */
export function parseBatch(text: string, name: string): NewEvent[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // Blank lines at the very end are an editor's extra newlines, as in a log.
  while (lines.length > 0 && (lines.at(-1) as string).trim() === '') lines.pop();
  return lines.map((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const position = { line: index + 1 };
    if (line.trim() === '') {
      throw new ValidationError(position, '', 'expected an event, found a blank line', {
        file: name,
      });
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ValidationError(position, '', `not valid JSON: ${(error as Error).message}`, {
        file: name,
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError(position, '', 'expected a JSON object (one event)', { file: name });
    }
    if (typeof (value as { id?: unknown }).id !== 'string') {
      throw new ValidationError(
        position,
        'id',
        'expected the event id (a string); a batch needs ids so that running it again is safe',
        { file: name },
      );
    }
    return value as NewEvent;
  });
}

async function readBatch(from: string): Promise<string> {
  try {
    if (from === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(from, 'utf8');
  } catch (error) {
    throw new StoreError(`cannot read the batch ${from}: ${ioReason(error)}`, { cause: error });
  }
}

function singleEvent(options: AppendCommandOptions): NewEvent {
  if (options.type === undefined || options.data === undefined) {
    throw new TruceError('USAGE', 'truce append needs --type and --data, or --from FILE');
  }
  let data: unknown;
  try {
    data = JSON.parse(options.data);
  } catch (error) {
    throw new TruceError('INVALID_LOG', `--data is not valid JSON: ${(error as Error).message}`);
  }
  return {
    id: options.id ?? eventId(),
    type: options.type,
    at: options.at ?? isoNow(),
    data,
    ...sourceOf(options),
  } as NewEvent;
}

/**
 * Adds `truce append LOG`: appends one event (`--type`, `--data`, ...) or a batch of JSON Lines
 * (`--from FILE|-`), all or none, and prints the seq of each event, one per line. An event whose
 * id is already in the log is not written again: its seq is printed, with a note on stderr.
 *
 * @example
 * registerAppend(program); // truce append deal.jsonl --type aid.delivered --data '{"region":"south","trucks":200}'
 */
export function registerAppend(program: Command): void {
  program
    .command('append')
    .description('append one event, or a batch with --from, checked against the deal first')
    .argument(
      '[log]',
      'the log file (JSON Lines), started with truce init; or --store URL --stream NAME',
    )
    .addOption(storeOption())
    .addOption(streamOption())
    .option('--type <type>', 'the event type, e.g. proposal.sent')
    .option('--data <json>', 'the event payload, a JSON object')
    .option('--id <id>', 'the event id, its idempotency key (default: a fresh unique id)')
    .option(
      '--at <datetime>',
      'when it happened, ISO 8601 with a zone (default: now)',
      parseEventTime,
    )
    .option('--source-name <name>', 'who reported it')
    .option('--source-url <url>', 'where it was reported')
    .option('--confidence <level>', 'confirmed, reported, claimed or disputed')
    .option('--expect <seq>', 'append only if the log ends at this seq (else exit 3)', parseExpect)
    .option('--from <file>', 'append a batch of JSON Lines events from FILE, or - for stdin')
    .option('--dry-run', 'check and print the event(s) and the state after them; write nothing')
    .action(async (given: string | undefined, options: AppendCommandOptions) => {
      const opened = openLog(given, options);
      const log = opened.name;
      if (
        options.from !== undefined &&
        (options.type !== undefined || options.data !== undefined)
      ) {
        throw new TruceError('USAGE', 'give either --from or --type and --data, not both');
      }
      const batchName =
        options.from === undefined
          ? 'the new event'
          : options.from === '-'
            ? 'stdin'
            : options.from;
      const events =
        options.from === undefined
          ? [singleEvent(options)]
          : parseBatch(await readBatch(options.from), batchName);
      await opened.requireExisting('append to');
      const expectation = options.expect === undefined ? {} : { expectedVersion: options.expect };
      if (options.dryRun) {
        const preview = await previewAppend(log, events, {
          batchName,
          ...expectation,
          read: await opened.readable(),
        });
        for (const warning of preview.warnings) process.stderr.write(`${warning}\n`);
        process.stdout.write(`${preview.text}${preview.status}`);
        return;
      }
      for (const warning of newEventWarnings(events, await opened.lastEventAt(), batchName)) {
        process.stderr.write(`${warning}\n`);
      }
      // A log with no sidecar yet (or long past it) is replayed first, from its checkpoint cache
      // when a replay left one: else seconds for a million events.
      const progress = startProgress({
        what: `appending to ${log}`,
        totalBytes: await sizeOf(opened),
      });
      let result: AppendResult;
      try {
        const store = await opened.store({
          batchName,
          onProgress: (seq, bytes) => progress.update(seq, bytes),
          warn: (message) => progress.note(`warning: ${message}\n`),
          ...(process.argv.includes('--debug')
            ? { note: (message: string) => progress.note(`note: ${message}\n`) }
            : {}),
        });
        result = await store.append(events, expectation);
      } finally {
        progress.done();
      }
      if (result.written < events.length) {
        const known = events.length - result.written;
        process.stderr.write(
          `note: ${known === 1 && events.length === 1 ? 'this event id is' : `${known} of these event ids are`} already in ${log}; not written again (the seq printed is the stored event's; a different event needs a new --id)\n`,
        );
      }
      noteCommitted(
        `${result.written === 1 ? 'the event is' : `${result.written} events are`} appended to ${log} (seq ${result.seqs.join(', ')})`,
      );
      process.stdout.write(`${result.seqs.join('\n')}\n`);
    });
}
