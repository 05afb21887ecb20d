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
  yield* gather(pieces(value, ''), size);
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

/** Containers with fewer entries than this are written by one `JSON.stringify`. */
const SMALL = 64;

function* pieces(value: unknown, indent: string): Generator<string> {
  if (typeof value !== 'object' || value === null || !isLarge(value)) {
    const text = JSON.stringify(value, null, 2);
    yield indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      yield `${i === 0 ? '' : ','}\n${inner}`;
      // As JSON.stringify: an item that has no JSON text is written null.
      yield* pieces(item === undefined || typeof item === 'function' ? null : item, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  yield '{';
  for (const [key, item] of Object.entries(value)) {
    // As JSON.stringify: a field with no JSON text is left out.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${first ? '' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* pieces(item, inner);
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
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) yield ',';
      yield* compactPieces(
        item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : item,
      );
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

/** Whether a container is worth writing entry by entry: many entries, or large ones. */
function isLarge(value: object): boolean {
  const entries = Array.isArray(value) ? value : Object.values(value);
  if (entries.length >= SMALL) return true;
  return entries.some((e) => typeof e === 'object' && e !== null && isLarge(e));
}
