import {
  ConcurrencyError,
  DEFAULT_MAX_LINE_BYTES,
  decodeEvent,
  describe,
  RejectedEventError,
  type TruceEvent,
  ValidationError,
} from '../events/index.js';
import type { Replayer } from '../replay/index.js';
import type { AppendOptions, NewEvent } from './eventStore.js';

/**
 * Every id of a log with its seq: a `Map`, or the file store's compact `StoredIds`. `get` must
 * be exact: the seq an id is stored at, or undefined for an id not in the log.
 */
export interface IdSeqs {
  get(id: string): number | undefined;
  set(id: string, seq: number): unknown;
}

/** What an append is checked against: the log's head, its ids and the machine after its last event. */
export interface LogState {
  /** The seq of the last event, 0 when empty. */
  head: number;
  /** Every id in the log with its seq. */
  ids: IdSeqs;
  /** The statechart and projections after the last event. */
  replayer: Replayer;
}

/** A checked batch, ready to be written. */
export interface PreparedAppend {
  /** The seq of each input event: newly assigned or already stored. */
  seqs: number[];
  /** The events to write, decoded, with their seqs. */
  events: TruceEvent[];
  /** The same events as log lines, each ending in `\n`. */
  text: string;
  /** The head once written. */
  head: number;
}

/** Options of {@link prepareAppend}. */
export interface PrepareAppendOptions extends AppendOptions {
  /** The log's name, for error messages. */
  file?: string;
  /** What the batch is called in error messages (`the batch` by default). */
  batchName?: string;
  /** The longest line allowed, in bytes with its `\n`: the reader's cap (64 MiB) by default. */
  maxLineBytes?: number;
  /**
   * Lines of the batch before the first of `input` (0 by default): an import hands a long file
   * over in parts, and an error names the line of the whole.
   */
  lineOffset?: number;
}

/**
 * Checks a batch against a log's state and turns it into log lines, without writing anything:
 * idempotent re-appends are found by `id`, the expected version is compared with the head, each
 * new event gets the next seq, is decoded against the catalogue and run through the statechart.
 *
 * The state's replayer moves forward over the new events: on success it stands after the batch;
 * when this throws after some event of the batch was applied, {@link leftDirty} is true of the
 * error and the replayer must be rebuilt. Re-appends of known ids skip the expected-version check, so a writer that
 * crashed before its acknowledgement can retry with the same `expectedVersion`.
 *
 * @example
 * const prepared = prepareAppend(state, [event], { expectedVersion: 3 });
 * await write(prepared.text);
 */
export function prepareAppend(
  state: LogState,
  input: readonly NewEvent[],
  options: PrepareAppendOptions = {},
): PreparedAppend {
  const batchName = options.batchName ?? 'the batch';
  const offset = options.lineOffset ?? 0;
  const seqs: number[] = [];
  const fresh: Array<{ index: number; raw: Record<string, unknown> }> = [];
  const inBatch = new Map<string, number>();
  input.forEach((item, index) => {
    const raw = item as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ValidationError(
        { line: offset + index + 1 },
        '',
        `expected a JSON object, found ${describe(raw)}`,
        { file: batchName },
      );
    }
    const id = (raw as { id?: unknown }).id;
    if (typeof id !== 'string') {
      throw new ValidationError(
        { line: offset + index + 1 },
        'id',
        `expected a string (the event's unique id), found ${id === undefined ? 'nothing' : describe(id)}`,
        { file: batchName },
      );
    }
    const first = inBatch.get(id);
    if (first !== undefined) {
      throw new ValidationError(
        { line: offset + index + 1 },
        'id',
        `expected a unique id, found ${describe(id)} already used on line ${offset + first + 1} of ${batchName}`,
        { file: batchName },
      );
    }
    inBatch.set(id, index);
    const stored = state.ids.get(id);
    seqs.push(stored ?? 0);
    if (stored === undefined) fresh.push({ index, raw: raw as Record<string, unknown> });
  });

  if (fresh.length === 0 && input.length > 0) {
    return { seqs, events: [], text: '', head: state.head };
  }
  const expected = options.expectedVersion;
  if (expected !== undefined && expected !== state.head) {
    throw new ConcurrencyError(expected, state.head, options.file);
  }

  const events: TruceEvent[] = [];
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let lines = '';
  let seq = state.head;
  let applied = 0;
  try {
    for (const { index, raw } of fresh) {
      seq++;
      const { seq: _ignored, ...rest } = raw;
      // Checked as the reader will read it: the very text to be written, parsed back.
      const text = JSON.stringify({ seq, ...rest });
      const bytes = Buffer.byteLength(text);
      if (bytes > maxLineBytes) {
        throw new ValidationError(
          { line: offset + index + 1, seq },
          '',
          `expected an event of at most ${sizeOf(maxLineBytes)} as one log line (the longest line a reader takes), found ${sizeOf(bytes)}; nothing was written to ${options.file ?? 'the log'}`,
          { file: batchName, rule: 'format.tooLong' },
        );
      }
      const decoded = decodeEvent(JSON.parse(text));
      if (!decoded.ok) {
        const issue = decoded.issues[0];
        const type = typeof rest.type === 'string' ? rest.type : undefined;
        throw new ValidationError(
          type === undefined
            ? { line: offset + index + 1, seq }
            : { line: offset + index + 1, seq, type },
          issue?.path ?? '',
          issue?.message ?? 'not a valid event',
          { file: batchName },
        );
      }
      state.replayer.apply(decoded.value);
      applied++;
      events.push(decoded.value);
      seqs[index] = seq;
      lines += `${text}\n`;
    }
  } catch (error) {
    if (error instanceof ValidationError || error instanceof RejectedEventError) {
      if (applied > 0) throw Object.assign(error, { dirty: true });
      throw error;
    }
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { dirty: true });
  }
  return { seqs, events, text: lines, head: seq };
}

/** Whether an error thrown by {@link prepareAppend} left the state's replayer mid-batch. */
export function leftDirty(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { dirty?: unknown }).dirty === true
  );
}

function sizeOf(bytes: number): string {
  const mib = bytes / 1024 / 1024;
  return Number.isInteger(mib)
    ? `${mib} MiB`
    : mib >= 1
      ? `${mib.toFixed(1)} MiB`
      : `${bytes} bytes`;
}
