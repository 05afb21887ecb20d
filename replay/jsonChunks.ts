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
 * `JSON.stringify(value)` (no spaces) in pieces of about `size` characters: a checkpoint of a
 * large replay state written without holding its whole text. Same rules as {@link jsonChunks}.
 *
 * @example
 * await writeFile(path, compactJsonChunks(replayer.snapshot()));
 */
export function* compactJsonChunks(value: unknown, size = 1 << 16): Generator<string> {
  yield* gather(compactPieces(value), size);
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
 * The compact text of a value in pieces: a container small enough (up to {@link PIECE_NODES}
 * values, counted up to that bound and no further) by one `JSON.stringify`, a larger one entry
 * by entry. So no piece is large, and the counting stays linear in the value.
 */
function* compactPieces(value: unknown): Generator<string> {
  if (typeof value !== 'object' || value === null || fitsIn(value, PIECE_NODES) >= 0) {
    yield JSON.stringify(value) ?? 'null';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (const [from, to, fits] of runsOf(value)) {
      const item: unknown = value[from];
      if (from > 0) yield ',';
      if (fits) {
        // A run of items that together fit: one native stringify, less its brackets.
        const text = JSON.stringify(value.slice(from, to));
        yield text.slice(1, text.length - 1);
      } else {
        yield* compactPieces(
          item === undefined || typeof item === 'function' || typeof item === 'symbol'
            ? null
            : item,
        );
      }
    }
    yield ']';
    return;
  }
  let first = true;
  yield '{';
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    yield* compactPieces(item);
  }
  yield '}';
}

/**
 * The array's items as runs `[from, to)` that each fit in a piece ({@link PIECE_NODES} values
 * together), in order; an item too large for one piece is a run of its own (`fits` false).
 */
function* runsOf(items: readonly unknown[]): Generator<[number, number, boolean]> {
  let from = 0;
  let budget = PIECE_NODES;
  for (let i = 0; i < items.length; i++) {
    const left = fitsIn(items[i], budget);
    if (left >= 0) {
      budget = left;
      continue;
    }
    if (i > from) yield [from, i, true];
    from = i;
    budget = fitsIn(items[i], PIECE_NODES);
    if (budget < 0) {
      yield [i, i + 1, false];
      from = i + 1;
      budget = PIECE_NODES;
    }
  }
  if (items.length > from) yield [from, items.length, true];
}

/** Values (a string of 32 characters counting as one more) a piece of compact text holds at most. */
const PIECE_NODES = 1024;

/** What is left of `budget` once the values in `value` are counted; below 0 when it runs out. */
function fitsIn(value: unknown, budget: number): number {
  if (typeof value === 'string') return budget - 1 - (value.length >> 5);
  if (typeof value !== 'object' || value === null) return budget - 1;
  let left = budget - 1;
  if (Array.isArray(value)) {
    for (const item of value) {
      left = fitsIn(item, left);
      if (left < 0) return left;
    }
    return left;
  }
  for (const key in value) {
    left = fitsIn((value as Record<string, unknown>)[key], left);
    if (left < 0) return left;
  }
  return left;
}
