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
  let buffer = '';
  for (const piece of pieces(value, '')) {
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

/** Whether a container is worth writing entry by entry: many entries, or large ones. */
function isLarge(value: object): boolean {
  const entries = Array.isArray(value) ? value : Object.values(value);
  if (entries.length >= SMALL) return true;
  return entries.some((e) => typeof e === 'object' && e !== null && isLarge(e));
}
