import { type EventType, eventTypes, isEventType, type TruceEvent } from './catalogue.js';
import { type DecodeIssue, decodeEventByZod, decodeEventFast, describe } from './decode.js';
import { type FormatCode, type LogPosition, ValidationError } from './errors.js';
import { fileChunks } from './fileChunks.js';
import { IdIndex } from './idIndex.js';
import { LineTooLongError, type RawLine, splitLineBatches } from './lines.js';
import { defaultUpcasters, type UpcasterRegistry } from './upcasters.js';

/** One decoded line of a log. */
export interface LogEntry {
  /** 1-based line number in the file. */
  line: number;
  /** The decoded, upcast event. */
  event: TruceEvent;
  /** The raw line as written, without its line end (and without a BOM on line 1). */
  text: string;
  /** Byte offset just past this line's line end: a store truncates a torn tail here. */
  end: number;
}

/** Options of {@link readLog}. */
export interface ReadLogOptions {
  /** Upcasters for older schema versions; truce's own by default. */
  upcasters?: UpcasterRegistry;
  /** The log's name in error messages; the path when reading a file, none otherwise. */
  file?: string;
  /** Longest line accepted, in bytes (64 MiB by default). */
  maxLineBytes?: number;
  /** Bytes read from a file per chunk (64 KiB by default). */
  chunkSize?: number;
  /**
   * Read a file only up to this byte offset: where a writer holding the log's lock began
   * (`committedSize` of `store/`), so a write in progress is not read as a torn line.
   */
  end?: number;
}

/** {@link ReadLogOptions} with every default filled in. */
export interface CompleteReadLogOptions {
  upcasters: UpcasterRegistry;
  file: string | undefined;
  maxLineBytes: number;
  chunkSize: number;
}

/** 64 MiB: far above any real event, low enough that one bad line cannot exhaust memory. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
const DEFAULT_CHUNK_SIZE = 64 * 1024;

/** Fills the defaults of {@link ReadLogOptions} once. */
export function buildCompleteReadLogOptions(
  options: ReadLogOptions = {},
  path?: string,
): CompleteReadLogOptions {
  return {
    upcasters: options.upcasters ?? defaultUpcasters,
    file: options.file ?? path,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
  };
}

/**
 * Reads a log (a file path or a stream of byte chunks) line by line in constant memory and
 * yields each decoded event, or throws a {@link ValidationError} at the first line that breaks
 * the format: not UTF-8, not JSON, a schema violation, a seq out of order, a repeated id, a blank
 * line between events, or a cut-off (torn) last line. I/O failures throw a `StoreError`.
 *
 * Accepts a UTF-8 BOM, CRLF line ends, unknown fields, a last event without its `\n`, and blank
 * lines at the very end (an editor's extra newline).
 *
 * @example
 * for await (const { line, event } of readLog('deal.jsonl')) {
 *   console.log(line, event.type);
 * }
 */
export async function* readLog(
  source: string | AsyncIterable<Uint8Array>,
  options?: ReadLogOptions,
  /** As {@link readLogBatches}'s: `source` holds the lines after the first `resume.line`. */
  resume?: ResumePoint,
): AsyncGenerator<LogEntry> {
  for await (const batch of readLogBatches(source, options, resume)) yield* batch;
}

/**
 * {@link readLog} a chunk of the file at a time: the entries each chunk completes, in one
 * array, for readers that take a million lines (one `await` per chunk, not per line). An error
 * is thrown only after the good entries before it were yielded, so a caller meets the events
 * in order, then the error, exactly as with {@link readLog}.
 *
 * With `resume`, `source` holds the lines after the first `resume.line` of a log, already
 * checked (a store's stream read from a snapshot on): lines are numbered and seqs counted on
 * from there, and ids are checked against `resume.ids`.
 *
 * @example
 * for await (const entries of readLogBatches('deal.jsonl')) for (const e of entries) fold(e);
 */
export async function* readLogBatches(
  source: string | AsyncIterable<Uint8Array>,
  options?: ReadLogOptions,
  resume?: ResumePoint,
): AsyncGenerator<LogEntry[]> {
  const path = typeof source === 'string' ? source : undefined;
  const opts = buildCompleteReadLogOptions(options, path);
  const chunks =
    typeof source === 'string'
      ? fileChunks(source, {
          chunkSize: opts.chunkSize,
          // Each line is decoded to text before the next chunk is asked for, and a line's start
          // is copied: a chunk's bytes are not held past it.
          reuseBuffers: true,
          name: opts.file ?? source,
          ...(options?.end === undefined ? {} : { end: options.end }),
        })
      : source;
  const checker = new LogChecker(opts, resume);
  try {
    for await (const raws of splitLineBatches(chunks, { maxLineBytes: opts.maxLineBytes })) {
      const entries: LogEntry[] = [];
      try {
        // By index: an array's iterator, in this generator, made a result object per line.
        for (let i = 0; i < raws.length; i++) {
          const entry = checker.check(raws[i] as RawLine);
          if (entry !== null) entries.push(entry);
        }
      } catch (error) {
        if (entries.length > 0) yield entries;
        throw error;
      }
      yield entries;
    }
  } catch (error) {
    throw lineTooLongAsValidation(error, opts.file);
  }
}

/**
 * A {@link LineTooLongError} from {@link splitLines} as the `ValidationError` a user sees, naming
 * the file; any other error unchanged.
 *
 * @example
 * try { for await (const raw of splitLines(chunks, limits)) … } catch (e) { throw lineTooLongAsValidation(e, 'deal.jsonl'); }
 */
export function lineTooLongAsValidation(error: unknown, file: string | undefined): unknown {
  if (!(error instanceof LineTooLongError)) return error;
  return new ValidationError(
    { line: error.line },
    '',
    `expected a line of at most ${mib(error.limit)}, found a longer one`,
    withFile(file, { cause: error, rule: 'format.tooLong' as const }),
  );
}

/** The ids a log already holds, with the line that first used each. */
export interface IdLookup {
  firstLine(id: string): number | undefined;
  add(id: string, line: number): void;
}

/** Where a check resumes in a log whose first `line` lines are already known to be good. */
export interface ResumePoint {
  /** Lines (and so events) already read; the next raw line is line `line + 1`. */
  line: number;
  /** The seq of the last event read. */
  seq: number;
  /** The ids of the events read so far. */
  ids: IdLookup;
}

/**
 * Checks raw lines in order: UTF-8, JSON, the event's schema, seq contiguity and id uniqueness,
 * telling a torn last line from a bad one. {@link readLog} uses it from the first line; a store
 * resumes it past a verified checkpoint to check only the tail.
 *
 * @example
 * const checker = new LogChecker(buildCompleteReadLogOptions(), { line: 10, seq: 10, ids });
 * for await (const raw of splitLines(tailChunks)) checker.check(raw);
 */
export class LogChecker {
  readonly #options: CompleteReadLogOptions;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Each id seen, with the line that first used it. */
  readonly #ids: IdLookup;
  readonly #lineOffset: number;
  #lastSeq: number;
  /** The first blank line since the last event: an error only if an event follows it. */
  #blank: number | undefined;

  constructor(options: CompleteReadLogOptions, resume?: ResumePoint) {
    this.#options = options;
    this.#ids = resume?.ids ?? new IdIndex();
    this.#lineOffset = resume?.line ?? 0;
    this.#lastSeq = resume?.seq ?? 0;
  }

  /**
   * The decoded entry of one raw line, `null` for a blank line (an error only once an event
   * follows it: blank lines at the very end are allowed), or a `ValidationError` (`torn` for a
   * cut-off last line).
   */
  check(raw: RawLine): LogEntry | null {
    const { terminated } = raw;
    const line = raw.line + this.#lineOffset;
    let text = raw.text;
    if (text !== undefined) {
      // Decoded already (valid UTF-8): the same text as the bytes below give, the BOM (EF BB BF)
      // being U+FEFF and the carriage return one character.
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, text.length - 1);
    } else {
      let bytes = raw.bytes;
      if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
      }
      if (bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
      try {
        text = this.#decoder.decode(bytes);
      } catch (error) {
        if (!terminated) throw this.#torn(line, 'it ends inside a UTF-8 character', error);
        throw this.#error({ line }, '', 'expected UTF-8 text, found invalid bytes', {
          cause: error,
          rule: 'format.utf8',
        });
      }
    }
    if (text.trim() === '') {
      this.#blank ??= line;
      return null;
    }
    if (this.#blank !== undefined) {
      throw this.#error(
        { line: this.#blank },
        '',
        'expected an event, found a blank line (remove it; blank lines are not allowed)',
        { rule: 'format.blank' },
      );
    }

    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = jsonReason(error);
      if (!terminated) throw this.#torn(line, reason, error);
      throw this.#error({ line }, '', `not valid JSON: ${reason}`, {
        cause: error,
        rule: 'format.json',
      });
    }

    let event = decodeEventFast(value);
    if (event === undefined) {
      const decoded = decodeEventByZod(value, { upcasters: this.#options.upcasters });
      if (!decoded.ok) {
        const issue = decoded.issues[0] as DecodeIssue;
        throw this.#error(positionOf(line, value), issue.path, issue.message, {
          rule: 'format.schema',
        });
      }
      event = decoded.value;
    }
    // JSON.parse gives a string longer than ten characters as a string of its own, not the one
    // V8 keeps for that text: every `switch` and table on the type (the machine's, the
    // projections') then compares it character by character. The catalogue's own string is
    // compared by address. The event is this reader's, parsed above: no one else sees it change.
    event.type = canonicalType(event.type);

    const expected = this.#lastSeq + 1;
    if (event.seq !== expected) {
      const why =
        event.seq === this.#lastSeq
          ? ` (seq ${event.seq} is repeated)`
          : event.seq > expected
            ? ` (a gap: seq ${expected}${event.seq - 1 > expected ? `–${event.seq - 1}` : ''} missing)`
            : ' (out of order)';
      throw this.#error(
        positionOf(line, value),
        'seq',
        `expected seq ${expected}, found ${event.seq}${why}`,
        {
          rule: 'format.seq',
        },
      );
    }
    const firstLine = this.#ids.firstLine(event.id);
    if (firstLine !== undefined) {
      throw this.#error(
        positionOf(line, value),
        'id',
        `expected a unique id, found ${describe(event.id)} already used ${firstLine > 0 ? `on line ${firstLine}` : 'earlier in the log'}`,
        { rule: 'format.id' },
      );
    }
    this.#ids.add(event.id, line);
    this.#lastSeq = event.seq;
    return { line, event, text, end: raw.end };
  }

  #error(
    position: LogPosition,
    path: string,
    problem: string,
    options: { cause?: unknown; rule?: FormatCode } = {},
  ): ValidationError {
    return new ValidationError(position, path, problem, withFile(this.#options.file, options));
  }

  #torn(line: number, reason: string, cause: unknown): ValidationError {
    return new ValidationError(
      { line },
      '',
      `incomplete (torn) last line: it has no line end and is not a whole event (${reason}); was the writer interrupted?`,
      withFile(this.#options.file, { cause, torn: true }),
    );
  }
}

const canonicalTypes = new Map<string, EventType>(eventTypes.map((type) => [type, type]));

/** The catalogue's own string for an event type (the same text). */
function canonicalType(type: EventType): EventType {
  return canonicalTypes.get(type) ?? type;
}

/** The seq and type of a parsed line when they are readable, to place an error. */
function positionOf(line: number, value: unknown): LogPosition {
  const position: LogPosition = { line };
  if (typeof value !== 'object' || value === null) return position;
  const { seq, type } = value as { seq?: unknown; type?: unknown };
  if (Number.isSafeInteger(seq)) position.seq = seq as number;
  if (typeof type === 'string' && isEventType(type)) position.type = type;
  return position;
}

/** A short reason from a `JSON.parse` error, without the echo of a possibly huge line. */
function jsonReason(error: unknown): string {
  if (error instanceof RangeError) return 'nested too deeply';
  const message = error instanceof Error ? error.message : String(error);
  // V8 quotes the start of the input ("Unexpected token 'x', "{"a":x..." is not valid JSON").
  const short = message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/^".*" is not valid JSON$/s, 'unexpected input');
  return short.length > 120 ? `${short.slice(0, 117)}…` : short;
}

function withFile<T extends object>(file: string | undefined, options: T): T & { file?: string } {
  return file === undefined ? options : { ...options, file };
}

function mib(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
