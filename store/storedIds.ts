import {
  DEFAULT_EXACT_LIMIT,
  IdIndex,
  type LogChecker,
  type LogEntry,
  type RawLine,
} from '../events/index.js';
import { CHUNK, readRangeSync } from './logFile.js';
import type { IdSeqs } from './prepareAppend.js';
import type { StoreFs } from './storeFs.js';

/** An id that only the log can place was asked for before the log was read for it. */
export class UnsettledId extends Error {
  constructor(readonly id: string) {
    super(`the log must be read for id ${id} first`);
  }
}

/**
 * The entry of a line whose check threw `error`: when it is an {@link UnsettledId}, `settle`
 * reads the log for that id and the line is checked again (as often as another id is
 * unsettled); any other error is thrown. Called only once a check threw, so a line whose ids
 * the lookup places pays no promise.
 *
 * @example
 * let entry;
 * try { entry = checker.check(raw); } catch (error) { entry = await checkSettling(checker, raw, error, settle); }
 */
export async function checkSettling(
  checker: LogChecker,
  raw: RawLine,
  error: unknown,
  settle: (id: string) => Promise<void>,
): Promise<LogEntry | null> {
  for (let thrown = error; ; ) {
    if (!(thrown instanceof UnsettledId)) throw thrown;
    await settle(thrown.id);
    try {
      return checker.check(raw);
    } catch (again) {
      thrown = again;
    }
  }
}

/**
 * Every id of a log with its seq, in little memory: an {@link IdIndex} (its line is the seq),
 * exact up to {@link DEFAULT_EXACT_LIMIT} ids, then counting runs and 64-bit fingerprints
 * (8–16 bytes an id; a `Map` of a million ids and their strings took about 100 MB).
 *
 * Past the exact ids the index knows an id is stored (a run holds its number: sure, but without
 * its seq; a fingerprint: maybe another id's) without knowing where. Such an id is *unsure*:
 * {@link get} answers it only once the log was read for it ({@link settle}), so an id is never
 * taken for a stored one because it shares a fingerprint, and a repeat gets the seq the log
 * says. An id the index does not hold is surely new.
 *
 * @example
 * const unsure = ids.unsure(batchIds);
 * const found = await findIdSeqs(fs, fd, checkpoint.bytes, head, unsure, wrap);
 * for (const id of unsure) ids.settle(id, found.get(id));
 */
export class StoredIds implements IdSeqs {
  readonly index: IdIndex;
  /** What the log said of unsure ids: their seq, or undefined for one it does not hold. */
  readonly #settled = new Map<string, number | undefined>();

  /** The ids of `index` (an empty one, exact up to `exactLimit` ids, by default). */
  constructor(index?: IdIndex, exactLimit = DEFAULT_EXACT_LIMIT) {
    this.index = index ?? new IdIndex({ exactLimit });
  }

  /** How many ids are stored. */
  get size(): number {
    return this.index.size;
  }

  /** The seq `id` is stored at, or undefined; throws {@link UnsettledId} for an unsure id not settled. */
  get(id: string): number | undefined {
    const first = this.index.firstLine(id);
    if (first !== 0) return first;
    if (!this.#settled.has(id)) throw new UnsettledId(id);
    return this.#settled.get(id);
  }

  /** Records `id` as stored at `seq`; it was found new ({@link get}). */
  set(id: string, seq: number): this {
    this.index.add(id, seq);
    if (this.#settled.has(id)) this.#settled.set(id, seq);
    return this;
  }

  /** The ids among `ids` only the log can place (not settled yet). */
  unsure(ids: Iterable<string>): Set<string> {
    const unsure = new Set<string>();
    for (const id of ids) {
      if (this.index.firstLine(id) === 0 && !this.#settled.has(id)) unsure.add(id);
    }
    return unsure;
  }

  /** Records what the log says of an unsure id: its seq, or undefined when it does not hold it. */
  settle(id: string, seq: number | undefined): void {
    this.#settled.set(id, seq);
  }

  /** Forgets what the log said: asked again, an unsure id is read for again. */
  forgetSettled(): void {
    this.#settled.clear();
  }
}

/** Looked for one by one (a search of the raw bytes for each) up to this many; more parse every line. */
const SEARCHED_IDS = 16;
/** Chunks read between two looks at the event loop (4 MB). */
const YIELD_EVERY = 64;
const NEWLINE = 10;
const BACKSLASH = 92;

/**
 * The seq of each of `ids` among the `lines` lines of bytes `[0, end)` of an open log, for
 * those it holds. Read from the log itself, which alone says whether an id the index only
 * fingerprints is there.
 *
 * The log is read from its end back, a chunk at a time, and the reading stops once every id
 * is found: a batch run again after a crash names the last events. A line is parsed only if
 * it may hold one of the ids: up to {@link SEARCHED_IDS} ids, a line holding one of them as a
 * JSON string written plainly (`"id"`), or holding a backslash (an id can be spelt with
 * escapes only where one is); more ids, every line. Line n holds seq n (the lines were
 * checked); a line found whose `seq` says otherwise means the store's state does not describe
 * the log, and is an error rather than a wrong seq.
 *
 * @example
 * const seqs = await findIdSeqs(fs, fd, checkpoint.bytes, state.head, new Set(['gen-41']), wrap);
 */
export async function findIdSeqs(
  fs: StoreFs,
  fd: number,
  end: number,
  lines: number,
  ids: ReadonlySet<string>,
  wrap: (error: unknown) => Error,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (ids.size === 0 || end === 0) return found;
  const patterns =
    ids.size <= SEARCHED_IDS ? [...ids].map((id) => Buffer.from(JSON.stringify(id))) : undefined;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });

  /** Parses the line `[from, to)` of `block`, line `at`, and records its id if asked for. */
  const look = (block: Buffer, from: number, to: number, at: number) => {
    let value: { id?: unknown; seq?: unknown };
    try {
      const bytes = block.subarray(from, to);
      value = JSON.parse(at === 1 ? decoder.decode(bytes) : bytes.toString('utf8'));
    } catch {
      // Not an event: the checked part of a log has none such, and it cannot hold an id.
      return;
    }
    const id = value?.id;
    if (typeof id !== 'string' || !ids.has(id) || found.has(id)) return;
    if (value.seq !== at) {
      throw wrap(
        new Error(
          `line ${at} holds seq ${String(value.seq)}, not ${at}: the log changed under the store's checkpoint`,
        ),
      );
    }
    found.set(id, at);
  };

  /** Each line of `block` (whole lines, the first of them line `first`) that may hold an id, looked at. */
  const scan = (block: Buffer, first: number) => {
    const starts = patterns === undefined ? undefined : candidateStarts(block, patterns);
    let line = first;
    let start = 0;
    let next = 0;
    while (start < block.length) {
      const nl = block.indexOf(NEWLINE, start);
      const stop = nl === -1 ? block.length : nl;
      if (starts === undefined) look(block, start, stop, line);
      else if (next < starts.length && starts[next] === start) {
        look(block, start, stop, line);
        next++;
      }
      line++;
      start = stop + 1;
    }
  };

  /** Whole lines after the block being read. */
  let after = 0;
  let reads = 0;
  /** The end of the line the last chunk read began inside, with its `\n`. */
  let carry: Buffer | undefined;
  for (let position = end; position > 0; ) {
    const length = Math.min(CHUNK, position);
    position -= length;
    let chunk: Buffer;
    try {
      chunk = readRangeSync(fs, fd, position, position + length);
    } catch (error) {
      throw wrap(error);
    }
    if (chunk.length !== length) throw wrap(new Error('the log is shorter than the store read it'));
    const block = carry === undefined ? chunk : Buffer.concat([chunk, carry]);
    // Up to its first newline, the block ends a line begun before it (none before byte 0).
    const cut = position === 0 ? 0 : block.indexOf(NEWLINE) + 1;
    if (cut === 0 && position > 0) {
      carry = block;
      continue;
    }
    carry = cut === 0 ? undefined : block.subarray(0, cut);
    const whole = block.subarray(cut);
    let count = 0;
    for (let at = whole.indexOf(NEWLINE); at !== -1; at = whole.indexOf(NEWLINE, at + 1)) count++;
    scan(whole, lines - after - count + 1);
    after += count;
    if (found.size === ids.size) break;
    // A whole log read in one go would hold the event loop for a few hundred milliseconds.
    if (++reads % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return found;
}

/**
 * Where the lines of `block` start that hold one of `patterns` or a backslash, increasing and
 * each once.
 */
function candidateStarts(block: Buffer, patterns: readonly Buffer[]): number[] {
  const starts = new Set<number>();
  const mark = (at: number) => {
    starts.add(block.lastIndexOf(NEWLINE, at) + 1);
  };
  for (const pattern of patterns) {
    for (let at = block.indexOf(pattern); at !== -1; at = block.indexOf(pattern, at + 1)) mark(at);
  }
  for (let at = block.indexOf(BACKSLASH); at !== -1; ) {
    mark(at);
    const nl = block.indexOf(NEWLINE, at);
    at = nl === -1 ? -1 : block.indexOf(BACKSLASH, nl);
  }
  return [...starts].sort((a, b) => a - b);
}

/** Bytes read at a time by {@link idsOfLines}: a scan of a whole log, one line a few bytes. */
const SCAN_CHUNK = 1024 * 1024;
const QUOTE = 34;
const ZERO = 48;
/** How a line as truce writes it begins, up to its seq's digits; then `,"id":"`. */
const SEQ_KEY = Buffer.from('{"seq":');
const ID_KEY = Buffer.from(',"id":"');

/**
 * The ids of lines 1..`lines` of the log open as `fd` (bytes `[0, end)`, lines a replay has
 * already checked: the checkpoint cache proves them), each at its seq, in the index a replay
 * of them fills (`exactLimit` as the store's). A line as truce writes it (`{"seq":N,"id":"…"`,
 * the id with no escape) gives its id without `JSON.parse`; any other is parsed, the first with
 * its byte order mark dropped as the reader drops it. Undefined when a line does not hold its
 * seq and an id, an id comes twice (or its fingerprint does, past the exact ids), or the lines
 * do not end at `end`: the caller replays the log instead. About 0.75 s for a million events.
 *
 * @example
 * const ids = await idsOfLines(nodeFs, fd, mark.bytes, mark.seq, undefined, wrap);
 */
export async function idsOfLines(
  fs: StoreFs,
  fd: number,
  end: number,
  lines: number,
  exactLimit: number | undefined,
  wrap: (error: unknown) => Error,
  /** Told, after each chunk, the lines read and the bytes (for a progress line). */
  onProgress?: (line: number, bytes: number) => void,
): Promise<StoredIds | undefined> {
  const ids = new StoredIds(undefined, exactLimit);
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
  let line = 0;
  /** The id of the line `[from, to)` of `block`, or undefined when it has none at its seq. */
  const idOf = (block: Buffer, from: number, to: number): string | undefined => {
    const fast = fastId(block, from, to, line);
    if (fast !== undefined) return fast;
    let value: { id?: unknown; seq?: unknown };
    try {
      const bytes = block.subarray(from, to);
      value = JSON.parse(line === 1 ? decoder.decode(bytes) : bytes.toString('utf8'));
    } catch {
      return undefined;
    }
    return value?.seq === line && typeof value.id === 'string' ? value.id : undefined;
  };
  let carry: Buffer | undefined;
  let reads = 0;
  for (let position = 0; position < end; ) {
    const length = Math.min(SCAN_CHUNK, end - position);
    let chunk: Buffer;
    try {
      chunk = readRangeSync(fs, fd, position, position + length);
    } catch (error) {
      throw wrap(error);
    }
    if (chunk.length !== length) return undefined;
    position += length;
    const block = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let nl = block.indexOf(NEWLINE); nl !== -1; nl = block.indexOf(NEWLINE, start)) {
      line++;
      if (line > lines) return undefined;
      const id = idOf(block, start, nl);
      if (id === undefined || ids.index.firstLine(id) !== undefined) return undefined;
      ids.set(id, line);
      start = nl + 1;
    }
    carry = start === block.length ? undefined : block.subarray(start);
    onProgress?.(line, position - (carry?.length ?? 0));
    // A whole log read in one go would hold the event loop for a few hundred milliseconds.
    if (++reads % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return carry === undefined && line === lines ? ids : undefined;
}

/**
 * The id of a line `[from, to)` of `block` written as truce writes it, `{"seq":N,"id":"…"`
 * with N its `line`, no backslash in the id and no other `"id"` after it; undefined for any
 * other line.
 */
function fastId(block: Buffer, from: number, to: number, line: number): string | undefined {
  if (to - from < 16 || !startsWith(block, from, SEQ_KEY)) return undefined;
  // A seq with a leading zero is no JSON number: the parse refuses it.
  if (block[from + 7] === ZERO) return undefined;
  let at = from + 7;
  let seq = 0;
  for (; at < to; at++) {
    const digit = (block[at] as number) - ZERO;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
  }
  if (seq !== line || at === from + 7 || at + 7 > to) return undefined;
  if (!startsWith(block, at, ID_KEY)) return undefined;
  const open = at + 7;
  let ascii = true;
  for (let k = open; k < to; k++) {
    const byte = block[k] as number;
    if (byte === BACKSLASH) return undefined;
    if (byte === QUOTE) {
      // `"id"` again later in the line (a second key of that name is the one JSON.parse keeps,
      // or an id in the event's data): the line is parsed instead. The next match is at most the
      // next line's own id, so this looks no further than about a line.
      if (holdsIdName(block, k + 1, to)) return undefined;
      return block.toString(ascii ? 'latin1' : 'utf8', open, k);
    }
    if (byte > 0x7f) ascii = false;
  }
  return undefined;
}

/** Whether `"id"` is anywhere in `[from, to)` of `block` (a loop: `indexOf` per line cost more). */
function holdsIdName(block: Buffer, from: number, to: number): boolean {
  for (let k = from; k + 3 < to; k++) {
    if (
      block[k] === QUOTE &&
      block[k + 1] === 105 &&
      block[k + 2] === 100 &&
      block[k + 3] === QUOTE
    ) {
      return true;
    }
  }
  return false;
}

/** Whether `block` holds `key` at `at` (byte by byte: `Buffer.compare` costs more for 7 bytes). */
function startsWith(block: Buffer, at: number, key: Buffer): boolean {
  for (let i = 0; i < key.length; i++) if (block[at + i] !== key[i]) return false;
  return true;
}
