import { isAscii, isUtf8 } from 'node:buffer';

/** One raw line of a log, cut at `\n`, before any decoding. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** The line's bytes without its `\n` (a `\r` before it is still there). */
  bytes: Uint8Array;
  /** Whether a `\n` ended the line; only the last line of a stream can lack one. */
  terminated: boolean;
  /** Byte offset in the stream just past this line and its `\n`: where the next line starts. */
  end: number;
  /**
   * The line's text, when its bytes are known to be valid UTF-8 (those of a line that lies
   * within one chunk whose whole lines are valid UTF-8 together): `bytes` decoded, nothing
   * removed. Absent otherwise: the reader decodes `bytes` itself, and words any error.
   */
  text?: string;
}

/** Options of {@link splitLines}. */
export interface SplitLinesOptions {
  /** Longest line accepted, in bytes; a longer one throws {@link LineTooLongError}. */
  maxLineBytes: number;
}

/** A line grew past {@link SplitLinesOptions.maxLineBytes} before its `\n` arrived. */
export class LineTooLongError extends Error {
  readonly line: number;
  readonly limit: number;
  constructor(line: number, limit: number) {
    super(`line ${line} is longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
    this.line = line;
    this.limit = limit;
  }
}

const NEWLINE = 10;

/**
 * A line decoded within its chunk: its bytes are a view of the chunk made only when asked for.
 * The reader reads its text and never asks; a view per line was a tenth of the splitting's
 * time and of what a replay allocates. Like a view made at once, it shows the chunk's bytes
 * as long as the chunk is not read into again.
 */
class DecodedLine implements RawLine {
  readonly line: number;
  readonly terminated = true;
  readonly end: number;
  readonly text: string;
  readonly #chunk: Buffer;
  readonly #start: number;
  readonly #stop: number;

  constructor(line: number, end: number, text: string, chunk: Buffer, start: number, stop: number) {
    this.line = line;
    this.end = end;
    this.text = text;
    this.#chunk = chunk;
    this.#start = start;
    this.#stop = stop;
  }

  get bytes(): Uint8Array {
    return this.#chunk.subarray(this.#start, this.#stop);
  }
}

/**
 * Cuts a stream of byte chunks into lines at `\n`, holding at most one partial line in memory,
 * so a log of any length reads in constant memory. The empty remainder after a final `\n` is not
 * a line.
 *
 * @example
 * for await (const { line, bytes } of splitLines(createReadStream('log.jsonl'))) {
 *   console.log(line, bytes.length);
 * }
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  options: SplitLinesOptions,
): AsyncGenerator<RawLine> {
  for await (const batch of splitLineBatches(chunks, options)) yield* batch;
}

/**
 * {@link splitLines} a chunk at a time: the lines each chunk completes, in one array, so a
 * reader pays for one `await` per chunk instead of one per line. A line too long is thrown
 * only after the lines before it were yielded.
 *
 * @example
 * for await (const lines of splitLineBatches(chunks, { maxLineBytes })) total += lines.length;
 */
export async function* splitLineBatches(
  chunks: AsyncIterable<Uint8Array>,
  options: SplitLinesOptions,
): AsyncGenerator<RawLine[]> {
  const { maxLineBytes } = options;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  let offset = 0;
  for await (const input of chunks) {
    const chunk = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const batch: RawLine[] = [];
    let tooLong: LineTooLongError | undefined;
    let start = 0;
    // The whole lines that lie within this chunk, from the first to start in it to the last
    // `\n`, checked for UTF-8 at once: each of them is then decoded by offsets, with no check
    // and no view of its own (a line cut at `\n`, an ASCII byte, is valid when they all are).
    const last = chunk.lastIndexOf(NEWLINE);
    const first = pending.length === 0 ? 0 : chunk.indexOf(NEWLINE) + 1;
    // When they are ASCII (as truce writes them), those lines are decoded at once into one
    // string whose characters are the bytes: each line is then a slice of it, cut at the `\n`
    // a string search finds, with no call into Buffer per line (its `indexOf` and `toString`
    // were most of the splitting's time). A slice shares that text, which lives while a line does.
    const ascii = last > first && isAscii(chunk.subarray(first, last));
    const decoded = ascii || (last > first && isUtf8(chunk.subarray(first, last)));
    const whole = ascii ? chunk.toString('latin1', first, last + 1) : '';
    for (;;) {
      let nl: number;
      if (ascii && start >= first) {
        const at = whole.indexOf('\n', start - first);
        nl = at === -1 ? -1 : at + first;
      } else nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      line++;
      if (pendingBytes + (nl - start) > maxLineBytes) {
        tooLong = new LineTooLongError(line, maxLineBytes);
        break;
      }
      offset += pendingBytes + (nl - start) + 1;
      if (pending.length > 0) {
        const bytes = Buffer.concat([...pending, chunk.subarray(start, nl)]);
        pending = [];
        pendingBytes = 0;
        batch.push({ line, bytes, terminated: true, end: offset });
      } else if (decoded) {
        const text = ascii
          ? whole.slice(start - first, nl - first)
          : chunk.toString('utf8', start, nl);
        batch.push(new DecodedLine(line, offset, text, chunk, start, nl));
      } else batch.push({ line, bytes: chunk.subarray(start, nl), terminated: true, end: offset });
      start = nl + 1;
    }
    if (tooLong === undefined && start < chunk.length) {
      // Copy the tail so a caller that reuses its chunk buffer cannot change a held line.
      const tail = Buffer.from(chunk.subarray(start));
      pendingBytes += tail.length;
      if (pendingBytes > maxLineBytes) tooLong = new LineTooLongError(line + 1, maxLineBytes);
      else pending.push(tail);
    }
    if (batch.length > 0) yield batch;
    if (tooLong !== undefined) throw tooLong;
  }
  if (pendingBytes > 0) {
    line++;
    const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    offset += bytes.length;
    yield [{ line, bytes, terminated: false, end: offset }];
  }
}
