import { constants } from 'node:fs';
import { z } from 'zod';
import { IdIndex, type IdIndexParts } from '../events/index.js';
import type { DealProjection } from '../projections/index.js';
import {
  REPLAY_SNAPSHOT_VERSION,
  Replayer,
  type ReplaySnapshot,
  writeCompactJson,
} from '../replay/index.js';
import type { Checkpoint } from './checkpoint.js';
import { createHash, randomBytes } from './nodeCrypto.js';
import { StoredIds } from './storedIds.js';
import type { StoreFs } from './storeFs.js';
import { writeAll } from './writePieces.js';

/**
 * The sidecar's version. 2 (4 December 2026): the ids of a long log kept compact
 * ({@link CompactIds}); a sidecar of version 1 (every id as a string) is ignored and rebuilt.
 */
export const STORE_SNAPSHOT_VERSION = 2;

/** The snapshot sidecar (`LOG.snapshot.json`): the replay state at a byte offset of the log. */
export interface StoreSnapshot {
  format: 'truce-store-snapshot';
  version: typeof STORE_SNAPSHOT_VERSION;
  /** Bytes of the log it covers, ending with a whole line. */
  bytes: number;
  seq: number;
  /** The log file's inode when written: a log replaced by an editor is not trusted. */
  ino: number;
  /** Where the last covered line starts, and the SHA-256 of that line (with its `\n`). */
  lastLineStart: number;
  lastLineHash: string;
  /**
   * The ids of the covered part: every one, in seq order, while the store keeps them exactly
   * (up to 100,000); past that, compact.
   */
  ids: string[] | CompactIds;
  replay: ReplaySnapshot;
}

/**
 * The ids of a long log as the store's index holds them past its exact ids (`IdIndex`): its
 * runs of counting ids as numbers, and its table of 64-bit fingerprints slot by slot, each
 * little-endian and in base64, so a million ids load as a few strings decoded, not a million
 * parsed.
 */
export interface CompactIds {
  /**
   * Each run's shape (a prefix and a number of `width` digits) and its `count` numbers, given
   * either as they are (`values`) or as spans of consecutive numbers (`spans`: first, length;
   * the ids of a log usually count up by one): float64s.
   */
  runs: Array<{
    prefix: string;
    width: number;
    count: number;
    values?: string | undefined;
    spans?: string | undefined;
  }>;
  /**
   * The table: its number of slots, and `used`: a bit a slot (set when it holds a fingerprint,
   * lowest bit first), then the fingerprint of each slot so marked, two 32-bit words
   * (`writeIdFingerprint`'s), in slot order. Half the bytes of the slots as they lie in memory
   * (at most half of them are used).
   */
  table: { slots: number; used: string };
  /** The SHA-256 of the runs (shape, count, bytes) and the table's bytes: a damaged file is not used. */
  hash: string;
}
const count = z.number().int().nonnegative();

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A replay snapshot (`Replayer.snapshot()`) as read back from a file: of this truce's
 * `REPLAY_SNAPSHOT_VERSION`, with a machine snapshot and a projection to resume from. The one
 * schema of it, shared by the store's sidecar and the checkpoint cache.
 */
export const replaySnapshotSchema = z
  .object({
    format: z.literal('truce-replay-snapshot'),
    version: z.literal(REPLAY_SNAPSHOT_VERSION),
    seq: count,
    machine: z.record(z.string(), z.unknown()),
    // The projection's shape is the projections' own; the replayer resumes from it as written.
    projection: z.custom<DealProjection>(isObject),
  })
  .strict();

const compactIdsSchema = z
  .object({
    runs: z.array(
      z
        .object({
          prefix: z.string(),
          width: count,
          count,
          values: z.string().optional(),
          spans: z.string().optional(),
        })
        .strict()
        .refine((run) => (run.values === undefined) !== (run.spans === undefined)),
    ),
    table: z.object({ slots: count, used: z.string() }).strict(),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/**
 * What a sidecar must look like to be used: the store's own fields exactly, and the replay
 * state's envelope (its projection and machine are the replayer's to read). The sidecar is a
 * cache: anything else, or a file that does not parse, is ignored and rebuilt.
 */
export const storeSnapshotSchema = z
  .object({
    format: z.literal('truce-store-snapshot'),
    version: z.literal(STORE_SNAPSHOT_VERSION),
    bytes: count,
    seq: count,
    ino: count,
    lastLineStart: count,
    lastLineHash: z.string().regex(/^[0-9a-f]{64}$/),
    // Checked by hand: zod's array of a log's every id was the costliest part of a CLI append.
    ids: z.union([
      z.custom<string[]>(isStringArray, 'expected every id as a string'),
      compactIdsSchema,
    ]),
    replay: replaySnapshotSchema,
  })
  .refine(
    (s) =>
      (!Array.isArray(s.ids) || s.ids.length === s.seq) &&
      s.replay.seq === s.seq &&
      s.lastLineStart < s.bytes,
    { message: 'the snapshot does not agree with itself' },
  );

/** The sidecar's path beside a log. */
export function snapshotPathOf(log: string): string {
  return `${log}.snapshot.json`;
}

/**
 * Reads a sidecar back as a checkpoint, or undefined when it is missing, unreadable, not a
 * valid snapshot (of this version), or not restorable. It still has to be verified against the
 * log before use. Its ids are kept exactly up to `exactLimit` (IdIndex's default; tests use fewer).
 *
 * @example
 * const checkpoint = await loadSnapshot('deal.jsonl.snapshot.json', 'deal.jsonl', fs);
 */
export async function loadSnapshot(
  path: string,
  file: string,
  fs: StoreFs,
  exactLimit?: number,
): Promise<Checkpoint | undefined> {
  let value: unknown;
  try {
    const bytes = await fs.readFile(path);
    // A sidecar of another version (or anything else) is not parsed at all: the first append
    // after an upgrade would otherwise hold a million ids parsed for nothing while it replays.
    if (!bytes.subarray(0, OPENING.length).equals(OPENING)) return;
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return;
  }
  const parsed = storeSnapshotSchema.safeParse(value);
  if (!parsed.success) return;
  const snapshot = parsed.data;
  try {
    const ids = Array.isArray(snapshot.ids)
      ? exactIdsOf(snapshot.ids, exactLimit)
      : compactIdsOf(snapshot.ids);
    if (ids === undefined || ids.size !== snapshot.seq) return;
    const replayer = new Replayer({ from: snapshot.replay, file });
    return {
      state: { head: snapshot.seq, ids, replayer },
      bytes: snapshot.bytes,
      ino: snapshot.ino,
      lastLineStart: snapshot.lastLineStart,
      lastLineHash: snapshot.lastLineHash,
      snapshotSeq: snapshot.seq,
    };
  } catch {
    return;
  }
}

/**
 * Writes a checkpoint as the sidecar (a temp file renamed into place). Returns whether it was
 * written: a failure only costs speed, never the log.
 *
 * @example
 * if (await saveSnapshot(path, checkpoint, fs)) checkpoint.snapshotSeq = checkpoint.state.head;
 */
export async function saveSnapshot(
  path: string,
  checkpoint: Checkpoint,
  fs: StoreFs,
): Promise<boolean> {
  const ids = idsField(checkpoint.state.ids.index);
  if (ids === undefined) return false;
  const snapshot: StoreSnapshot = {
    format: 'truce-store-snapshot',
    version: STORE_SNAPSHOT_VERSION,
    bytes: checkpoint.bytes,
    seq: checkpoint.state.head,
    ino: checkpoint.ino,
    lastLineStart: checkpoint.lastLineStart,
    lastLineHash: checkpoint.lastLineHash,
    ids,
    replay: checkpoint.state.replayer.snapshot(),
  };
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    // Written in pieces: the text of a million events' state (30 MB) was held whole, then again
    // as bytes, and the first append to such a log peaked 100 MB above its replay.
    fd = fs.openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
    const file = fd;
    writeAll(fs, file, (write) => writeCompactJson(snapshot, write));
    fd = undefined;
    fs.closeSync(file);
    await fs.rename(temp, path);
    return true;
  } catch {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Nothing more to do: the temp file goes below.
      }
    }
    await fs.unlink(temp).catch(() => undefined);
    return false;
  }
}

/** How every sidecar of this version begins (`saveSnapshot` writes these fields first). */
const OPENING = Buffer.from(
  `{"format":"truce-store-snapshot","version":${STORE_SNAPSHOT_VERSION},`,
);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The sidecar's `ids` of an index whose line for each id is its seq: the exact ids in seq
 * order, or the compact form. Undefined when it cannot be written (an exact id not at its
 * place, an index of fingerprints only, a big-endian machine).
 *
 * @example
 * const ids = idsField(checkpoint.state.ids.index);
 */
export function idsField(index: IdIndex): StoreSnapshot['ids'] | undefined {
  const parts = index.toParts();
  if (parts === undefined) return undefined;
  if (parts.exact !== undefined) {
    const ids: string[] = [];
    for (const [id, seq] of parts.exact) {
      if (seq !== ids.length + 1) return undefined;
      ids.push(id);
    }
    return ids;
  }
  // The words go to the file as they lie in memory: little-endian ones only.
  if (!LITTLE_ENDIAN) return undefined;
  const hash = createHash('sha256');
  const runs = parts.runs.map(({ prefix, width, values }) => {
    const spans = spansOf(values);
    const kind = spans === undefined ? 'values' : 'spans';
    const bytes = bytesOf(spans ?? values);
    hash.update(JSON.stringify([prefix, width, values.length, kind])).update(bytes);
    return { prefix, width, count: values.length, [kind]: bytes.toString('base64') };
  });
  const slots = parts.slots.length / 2;
  const used = packTable(parts.slots);
  hash.update(JSON.stringify(['table', slots])).update(used);
  return { runs, table: { slots, used: used.toString('base64') }, hash: hash.digest('hex') };
}

/** The exact ids of a sidecar, seq i + 1 for the i-th; undefined if one is repeated. */
function exactIdsOf(
  list: readonly string[],
  exactLimit: number | undefined,
): StoredIds | undefined {
  const ids = new StoredIds(undefined, exactLimit);
  for (let i = 0; i < list.length; i++) {
    const id = list[i] as string;
    // Past the exact limit a fingerprint may match: the sidecar is then given up, never trusted.
    if (ids.index.firstLine(id) !== undefined) return undefined;
    ids.set(id, i + 1);
  }
  return ids;
}

/** The compact ids of a sidecar, or undefined when their hash or shape does not hold. */
function compactIdsOf(compact: CompactIds): StoredIds | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const hash = createHash('sha256');
  const runs: IdIndexParts['runs'] = [];
  for (const run of compact.runs) {
    const kind = run.spans === undefined ? 'values' : 'spans';
    const bytes = Buffer.from((run.spans ?? run.values) as string, 'base64');
    hash.update(JSON.stringify([run.prefix, run.width, run.count, kind])).update(bytes);
    const numbers = float64sOf(bytes);
    const values =
      numbers === undefined ? undefined : kind === 'spans' ? unspan(numbers, run.count) : numbers;
    if (values === undefined || values.length !== run.count) return undefined;
    runs.push({ prefix: run.prefix, width: run.width, values });
  }
  const used = Buffer.from(compact.table.used, 'base64');
  hash.update(JSON.stringify(['table', compact.table.slots])).update(used);
  if (hash.digest('hex') !== compact.hash) return undefined;
  const slots = unpackTable(used, compact.table.slots);
  if (slots === undefined) return undefined;
  const index = IdIndex.fromParts({ runs, slots });
  return index === undefined ? undefined : new StoredIds(index);
}

/**
 * Increasing numbers as spans of consecutive ones (first, length, …), or undefined when that
 * is no shorter than the numbers themselves.
 */
function spansOf(values: Float64Array): Float64Array | undefined {
  const spans: number[] = [];
  for (let i = 0; i < values.length; ) {
    const first = values[i] as number;
    let length = 1;
    while (i + length < values.length && values[i + length] === first + length) length++;
    spans.push(first, length);
    if (spans.length >= values.length) return undefined;
    i += length;
  }
  return Float64Array.from(spans);
}

/** The numbers spans (first, length, …) stand for, or undefined when they are not `count`. */
function unspan(spans: Float64Array, count: number): Float64Array | undefined {
  const values = new Float64Array(count);
  let at = 0;
  for (let i = 0; i + 1 < spans.length; i += 2) {
    const first = spans[i] as number;
    const length = spans[i + 1] as number;
    if (!Number.isInteger(length) || length < 1 || at + length > count) return undefined;
    for (let k = 0; k < length; k++) values[at++] = first + k;
  }
  return at === count && spans.length % 2 === 0 ? values : undefined;
}

/**
 * A table's slots as {@link CompactIds}' `used`: a bit a slot, then the used slots' words. The
 * index's tables have a power of two of slots, at least 1,024: the bits fill whole words.
 */
function packTable(slots: Uint32Array): Buffer {
  const capacity = slots.length / 2;
  let size = 0;
  for (let slot = 0; slot < capacity; slot++) if (slots[2 * slot] !== 0) size++;
  const words = new Uint32Array(capacity / 32 + 2 * size);
  let at = capacity / 32;
  for (let slot = 0; slot < capacity; slot++) {
    const hi = slots[2 * slot] as number;
    if (hi === 0) continue;
    words[slot >>> 5] = (words[slot >>> 5] as number) | (1 << (slot & 31));
    words[at++] = hi;
    words[at++] = slots[2 * slot + 1] as number;
  }
  return bytesOf(words);
}

/** The slots {@link packTable} packed, or undefined when the bytes are not of that shape. */
function unpackTable(used: Buffer, capacity: number): Uint32Array | undefined {
  if (capacity < 1024 || capacity > 2 ** 30 || (capacity & (capacity - 1)) !== 0) return;
  if (used.length % 4 !== 0 || used.length < capacity / 8) return;
  // A view of the decoded bytes when they lie on a 4-byte boundary (a decoded buffer of its
  // own does), else a copy.
  const words =
    used.byteOffset % 4 === 0
      ? new Uint32Array(used.buffer, used.byteOffset, used.length / 4)
      : new Uint32Array(Uint8Array.from(used).buffer);
  const slots = new Uint32Array(2 * capacity);
  let at = capacity / 32;
  for (let slot = 0; slot < capacity; slot++) {
    if (((words[slot >>> 5] as number) & (1 << (slot & 31))) === 0) continue;
    const hi = words[at++];
    if (hi === undefined || hi === 0) return;
    slots[2 * slot] = hi;
    slots[2 * slot + 1] = words[at++] as number;
  }
  return at === words.length ? slots : undefined;
}

/** The bytes of an array of numbers, as they lie in memory. */
function bytesOf(array: Float64Array | Uint32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Float64s of little-endian bytes, copied to an aligned array of their own. */
function float64sOf(bytes: Buffer): Float64Array | undefined {
  if (bytes.length % 8 !== 0) return undefined;
  const numbers = new Float64Array(bytes.length / 8);
  new Uint8Array(numbers.buffer).set(bytes);
  return numbers;
}
