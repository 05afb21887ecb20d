/**
 * `JSON.stringify(value, null, 2)` in pieces of about `size` characters, for writing a large
 * report without holding its whole text: a replay of a million events can list a hundred
 * thousand proposals, whose text is larger than the log. The pieces joined are exactly
 * `JSON.stringify(value, null, 2)`; the value must be plain JSON data (no `toJSON`, no
 * functions), as a report is.
 *
 * @example
 * for (const piece of jsonChunks(report)) process.stdout.write(piece);
 * process.stdout.write('\n');
 */
export function* jsonChunks(value: unknown, size = 1 << 16): Generator<string> {
  yield* gather(pieces(value, 0), size);
}

/**
 * Writers of particular fields for {@link writeCompactJson}, by path: a key whose entry is a
 * function has its value written by it (exactly `JSON.stringify` of the value, through the
 * `write` given), a key whose entry is itself such a map is written field by field by it.
 */
export interface CompactWriters {
  readonly [key: string]: CompactWriters | ((value: unknown) => void);
}

/**
 * `JSON.stringify(value)` (no spaces) handed to `write` in pieces, in order: a checkpoint of a
 * large replay state written without holding its whole text. A piece holds at most about
 * {@link PIECE_NODES} values (a single string longer than that is one piece). Same rules as
 * {@link jsonChunks}. The fields `writers` names are written by its functions.
 *
 * @example
 * writeCompactJson(replayer.snapshot(), (piece) => out.write(piece));
 */
export function writeCompactJson(
  value: unknown,
  write: (piece: string) => void,
  writers?: CompactWriters,
): void {
  if (Array.isArray(value)) {
    // A list is cut into runs as its items are counted, each item once: it is not counted first
    // to learn whether it fits whole (a checkpoint's edits were counted three times over).
    if (value.length === 0) write('[]');
    else writeLarge(value, write, undefined);
  } else if (
    typeof value === 'object' &&
    value !== null &&
    (writers !== undefined || fitsIn(value, PIECE_NODES) < 0)
  ) {
    writeLarge(value, write, writers);
  } else write(JSON.stringify(value) ?? 'null');
}

/**
 * The compact text of items `[from, to)` of an array as `JSON.stringify` of the array writes
 * them, commas between and no brackets, in pieces as {@link writeCompactJson} cuts them: for a
 * writer that takes part of a list's text from elsewhere.
 *
 * @example
 * write('['); writeCompactItems(list, 0, list.length, write); write(']');
 */
export function writeCompactItems(
  items: readonly unknown[],
  from: number,
  to: number,
  write: (piece: string) => void,
): void {
  writeRuns(items, from, runsOf(items, from, to), write);
}

function* gather(all: Iterable<string>, size: number): Generator<string> {
  let buffer = '';
  for (const piece of all) {
    buffer += piece;
    if (buffer.length >= size) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}

/**
 * The text of `value` as `JSON.stringify(value, null, 2)` writes it `depth` levels down (each
 * line after the first indented by `depth` more levels), by one native `JSON.stringify`: the
 * value is wrapped in `depth` arrays, so the engine indents it, and the wrappers' own brackets
 * are cut off (`[\n` and two spaces a level before it, `\n`, the spaces and `]` after it).
 * Replacing every line end in the text of a long list (`replaceAll`) cost more than writing it.
 */
function atDepth(value: unknown, depth: number): string {
  let wrapped = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  if (depth === 0) return text;
  // Before: `[` `\n` and 2(j+1) spaces for each wrapper j; after: `\n`, 2j spaces and `]`.
  return text.slice(depth * depth + 3 * depth, text.length - (depth * depth + depth));
}

/**
 * The pretty text of a value in pieces. A value small enough (up to {@link PIECE_NODES}
 * values, {@link fitsIn}) is one piece; a larger array is written in runs of items that
 * together fit, each run by one native `JSON.stringify`; a larger object entry by entry.
 */
function* pieces(value: unknown, depth: number): Generator<string> {
  if (typeof value !== 'object' || value === null || fitsIn(value, PIECE_NODES) >= 0) {
    yield atDepth(value, depth);
    return;
  }
  const indent = '  '.repeat(depth);
  if (Array.isArray(value)) {
    yield '[';
    for (const [from, to, fits] of runsOf(value)) {
      const item: unknown = value[from];
      if (fits) {
        // The run as an array at this depth, less its brackets: `\n` + indent + item, … .
        const text = atDepth(value.slice(from, to), depth);
        yield `${from === 0 ? '' : ','}${text.slice(1, text.length - indent.length - 2)}`;
      } else {
        // An item too large for a piece of its own: written piece by piece.
        yield `${from === 0 ? '' : ','}\n${indent}  `;
        // As JSON.stringify: an item that has no JSON text is written null.
        yield* pieces(item === undefined || typeof item === 'function' ? null : item, depth + 1);
      }
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  yield '{';
  for (const [key, item] of Object.entries(value)) {
    // As JSON.stringify: a field with no JSON text is left out.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${first ? '' : ','}\n${indent}  ${JSON.stringify(key)}: `;
    first = false;
    yield* pieces(item, depth + 1);
  }
  yield first ? '}' : `\n${indent}}`;
}

/**
 * The compact text of a container too large for one piece, or of any array but an empty one.
 * An array is written in runs of items that together fit ({@link writeRuns}); an object entry
 * by entry.
 */
function writeLarge(
  value: object,
  write: (piece: string) => void,
  writers: CompactWriters | undefined,
): void {
  if (Array.isArray(value)) {
    const runs = runsOf(value);
    const first = runs.next();
    if (!first.done && first.value[2] && first.value[1] === value.length) {
      // One run: the list fits a piece.
      write(JSON.stringify(value));
      return;
    }
    write('[');
    if (!first.done) writeRuns(value, 0, [first.value], write);
    writeRuns(value, 0, runs, write);
    write(']');
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    // As JSON.stringify: a field with no JSON text is left out.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    write(`${first ? '{' : ','}${JSON.stringify(key)}:`);
    first = false;
    const own = writers !== undefined && Object.hasOwn(writers, key) ? writers[key] : undefined;
    if (typeof own === 'function') own(item);
    else writeCompactJson(item, write, own);
  }
  write(first ? '{}' : '}');
}

/**
 * The items of `runs` ({@link runsOf}, the first starting at `from`) with commas between and no
 * brackets: each run that fits by one native `JSON.stringify`, each item too large for a piece
 * of its own piece by piece.
 */
function writeRuns(
  items: readonly unknown[],
  from: number,
  runs: Iterable<[number, number, boolean]>,
  write: (piece: string) => void,
): void {
  for (const [start, end, fits] of runs) {
    if (start > from) write(',');
    if (fits) {
      // As JSON.stringify: an item that has no JSON text is written null, here as there.
      const text = JSON.stringify(items.slice(start, end));
      write(text.slice(1, text.length - 1));
    } else {
      // A container, or a string written whole.
      const item: unknown = items[start];
      if (typeof item === 'object' && item !== null) writeLarge(item, write, undefined);
      else write(JSON.stringify(item) ?? 'null');
    }
  }
}

/**
 * The array's items `[start, end)` (all by default) as runs `[from, to)` that each fit in a
 * piece ({@link PIECE_NODES} values together), in order; an item too large for one piece is a
 * run of its own (`fits` false).
 */
function* runsOf(
  items: readonly unknown[],
  start = 0,
  end = items.length,
): Generator<[number, number, boolean]> {
  let from = start;
  let left = PIECE_NODES;
  for (let i = start; i < end; i++) {
    // Each item counted once, against a whole piece: what a run has left is then subtracted.
    const cost = PIECE_NODES - valueFitsIn(items[i], PIECE_NODES);
    if (cost <= left) {
      left -= cost;
      continue;
    }
    if (i > from) yield [from, i, true];
    from = i;
    left = PIECE_NODES - cost;
    if (left < 0) {
      yield [i, i + 1, false];
      from = i + 1;
      left = PIECE_NODES;
    }
  }
  if (end > from) yield [from, end, true];
}

/**
 * Values a piece of text holds at most, a string (or an object's key) counting one more for
 * each 32 characters: a run of small items stays a few tens of KB, gone with V8's young
 * generation.
 */
const PIECE_NODES = 1024;

/** What a value that is not a container counts: one, and one more for each 32 characters. */
function primitiveCost(value: unknown): number {
  return typeof value === 'string' ? 1 + (value.length >> 5) : 1;
}

/** What is left of `budget` once the values in `value` are counted; below 0 when it runs out. */
function valueFitsIn(value: unknown, budget: number): number {
  return typeof value === 'object' && value !== null
    ? fitsIn(value, budget)
    : budget - primitiveCost(value);
}

/**
 * {@link valueFitsIn} of a container. The items that are not containers are counted here, not
 * by a call each: most of a replay state's values are numbers and short strings.
 */
function fitsIn(value: object, budget: number): number {
  let left = budget - 1;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      left =
        typeof item === 'object' && item !== null ? fitsIn(item, left) : left - primitiveCost(item);
      if (left < 0) return left;
    }
    return left;
  }
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    // A long key counts as a string would: an object of a thousand keys of a thousand
    // characters each is no small piece.
    left =
      (typeof item === 'object' && item !== null
        ? fitsIn(item, left)
        : left - primitiveCost(item)) -
      (key.length >> 5);
    if (left < 0) return left;
  }
  return left;
}
