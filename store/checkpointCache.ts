import type { Hash } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { compileFastDecode, type FastDecode, NOT_SURE } from '../events/fastDecode.js';
import {
  type CompactWriters,
  REPLAY_SNAPSHOT_VERSION,
  Replayer,
  type ReplaySnapshot,
  writeCompactItems,
  writeCompactJson,
} from '../replay/index.js';
import { type ProveOptions, proveMarks, startLink } from './chainProof.js';
import { type LineMark, lastLineHolds } from './checkpoint.js';
import { sha256 } from './logFile.js';
import { createHash, randomBytes } from './nodeCrypto.js';
import { replaySnapshotSchema } from './snapshot.js';
import { applyStateDelta, type StateEdit } from './stateDelta.js';
import { errnoOf, type StoreFs } from './storeFs.js';
import { type Content, writeAll } from './writePieces.js';

/**
 * The checkpoint cache beside a log (`LOG.truce-cache/`): the replay state (machine and
 * projections, `Replayer.snapshot()`) every {@link CHECKPOINT_SPREAD} events, and every
 * {@link CHECKPOINT_EVERY} near where a replay stopped (the end of the log, the seq asked for),
 * so time travel replays at most that many events instead of the whole log.
 *
 * A folder rather than one file: each checkpoint is its own file, written once and never
 * changed, so extending the cache after an append writes only the new ones, a query reads only
 * the one it resumes from, and two processes writing at once each rename whole files into
 * place. `index.json` lists them; it is the only file ever replaced.
 *
 * Nothing in it is trusted blindly. Each file is checked by a schema on read; each checkpoint
 * records the hash of the log's bytes before it (a chain: the SHA-256 of the previous
 * checkpoint's hash followed by the bytes since), checked against the log unless the log's
 * size, inode and change times are those the index recorded when it last proved them, and then
 * still its last line is read and hashed ({@link lastLineHolds}, the store's own check). A cache
 * of another replay-snapshot version, another log, or a log rewritten, truncated or replaced
 * is rebuilt; one that cannot be read or written is simply not used. Deleting it is always safe.
 */

/**
 * Events between two checkpoints over the last stretch of a replay (see the README, "The
 * checkpoint cache", for why 1,024).
 */
export const CHECKPOINT_EVERY = 1024;

/**
 * Events between two checkpoints before that stretch, which is as long: a first replay of a
 * long log writes a quarter of the checkpoints it would every 1,024 events (see the README).
 */
export const CHECKPOINT_SPREAD = 4096;

/**
 * The version of the cache's files: 3 since a whole state writes the objects its projection
 * shares with the machine once (`shared`). A cache of another version is rebuilt, never read.
 */
export const CACHE_VERSION = 3;

/** The cache folder beside a log's real path. */
export function cachePathOf(realLog: string): string {
  return `${realLog}.truce-cache`;
}

const count = z.number().int().nonnegative();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const decimal = z.string().regex(/^[0-9]{1,40}$/);

/** A point of the log the cache knows: after event `seq`, at byte `bytes`. */
const markShape = {
  seq: count,
  bytes: count,
  lastLineStart: count,
  lastLineHash: hex64,
  /** The chained hash of bytes `[0, bytes)`. */
  hash: hex64,
  /** The latest `at` (ms since the epoch) of events 1..seq: `--at` before it cannot resume here. */
  maxAt: z.number().finite(),
};

const notEmpty = (m: { seq: number; lastLineStart: number; bytes: number }) =>
  m.seq > 0 && m.lastLineStart < m.bytes;

const markSchema = z.object(markShape).strict().refine(notEmpty, { message: 'an empty mark' });

/** A checkpoint listed in the index. */
export type CacheMark = z.infer<typeof markSchema>;

const fileName = /^[0-9]{1,16}-[0-9a-f]{16}\.json$/;
const idsFileName = /^ids-[0-9a-f]{16}\.bin$/;
const tailName = /^tail-[0-9]{1,16}-[0-9a-f]{16}\.json$/;
/** A file being written ({@link writeAtomic}, {@link CacheIdsWriter}): `.NAME.HEX.tmp`. */
const tempName = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * A temp file of the cache untouched for this long was left by a replay stopped while writing
 * (Ctrl-C, SIGKILL, a crash): a live one writes a checkpoint within seconds, and adds to its ids
 * file at least every 16,384 events.
 */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * How near the end a checkpoint that holds edits may have its whole state kept beside them (a
 * tail): among the last two. A replay writes one, for the checkpoint before the last: a query a
 * thousand events before the end reads that file alone, and one from the last checkpoint
 * (`status` or a replay after an append) reads it and the last one's edits (tens of KB), not a
 * chain from an older whole state. (Truce before 3 December 2026 wrote a tail for each of the
 * two; such an index is read as it is.)
 */
export const TAILS = 2;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bytes per event in the ids file: the id's 64-bit fingerprint (`writeIdFingerprint`). */
export const ID_FINGERPRINT_BYTES = 8;

export const indexSchema = z
  .object({
    format: z.literal('truce-cache'),
    version: z.literal(CACHE_VERSION),
    replayVersion: z.literal(REPLAY_SNAPSHOT_VERSION),
    /**
     * The hash of an empty replay's snapshot (the projections' and the machine's initial shape):
     * a truce whose report gained a field reads none of an older truce's checkpoints.
     */
    shape: hex64,
    /** The log's size, identity and times when the index last proved its prefix; null: never. */
    log: z
      .object({ dev: decimal, ino: decimal, size: decimal, mtimeNs: decimal, ctimeNs: decimal })
      .strict()
      .nullable(),
    /**
     * Each checkpoint with its file's name, size and SHA-256; `from` null for a whole state,
     * else the seq of the checkpoint before it, whose state its edits apply to.
     */
    checkpoints: z.array(
      z
        .object({
          ...markShape,
          file: z.string().regex(fileName),
          fileHash: hex64,
          size: count,
          from: count.nullable(),
        })
        .strict()
        .refine(notEmpty, { message: 'an empty mark' }),
    ),
    /**
     * Whole states of checkpoints among the last {@link TAILS} that hold only edits, so a query
     * near the end of the log (or past it, after an append) reads one large file, not a chain.
     */
    tails: z
      .array(
        z
          .object({ seq: count, file: z.string().regex(tailName), fileHash: hex64, size: count })
          .strict(),
      )
      .max(TAILS),
    /** The furthest point proven: every event up to it was read, checked and replayed. */
    end: markSchema,
    /** The fingerprints of the ids of events 1..count (count ≥ end.seq), in seq order. */
    ids: z.object({ file: z.string().regex(idsFileName), count, fileHash: hex64 }).strict(),
    /** The SHA-256 of the index's JSON without this field: a damaged index is not read. */
    checksum: hex64,
  })
  .strict()
  .refine(
    (index) => {
      let previous = { seq: 0, bytes: 0 };
      for (const [i, mark] of index.checkpoints.entries()) {
        if (mark.seq <= previous.seq || mark.bytes <= previous.bytes) return false;
        // A delta applies to the checkpoint just before it; the first holds a whole state.
        if (mark.from !== (i === 0 ? null : mark.from === null ? null : previous.seq)) return false;
        previous = mark;
      }
      const { end, tails } = index;
      const last = index.checkpoints.slice(-TAILS).map((c) => c.seq);
      return (
        end.seq >= previous.seq &&
        end.bytes >= previous.bytes &&
        index.ids.count >= end.seq &&
        tails.every((tail) => last.includes(tail.seq))
      );
    },
    { message: 'the index does not agree with itself' },
  );

/** The cache's index: its checkpoints in order and how far the log is proven. */
export type CacheIndex = z.infer<typeof indexSchema>;

/** An edit as {@link applyStateDelta} takes it: `[path]` or `[path, value]`. */
function isEdit(value: unknown): value is StateEdit {
  return (
    Array.isArray(value) &&
    (value.length === 1 || value.length === 2) &&
    Array.isArray(value[0]) &&
    (value[0] as unknown[]).every(
      (step) => typeof step === 'string' || (Number.isSafeInteger(step) && (step as number) >= 0),
    )
  );
}

/** A place in a replay state: keys of objects and indexes of arrays, from the state's top. */
type StatePath = Array<string | number>;

/** A path of {@link StatePath}'s shape, starting at `top` (`machine` or `projection`). */
function isPathUnder(value: unknown, top: string): value is StatePath {
  return (
    Array.isArray(value) &&
    value[0] === top &&
    value.length >= 2 &&
    value.every(
      (step) => typeof step === 'string' || (Number.isSafeInteger(step) && (step as number) >= 0),
    )
  );
}

/** A link of `shared`: the machine's object at the first path is also the projection's at the second. */
function isLink(value: unknown): value is [StatePath, StatePath] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    isPathUnder(value[0], 'machine') &&
    isPathUnder(value[1], 'projection')
  );
}

/**
 * An array whose every item passes `check`, checked by one call: zod's array of a custom item,
 * ten thousand links in a whole state, cost a query near the end of a long log 30 ms.
 */
function every(check: (item: unknown) => boolean): (value: unknown) => boolean {
  return (value) => Array.isArray(value) && value.every(check);
}

const checkpointSchema = z
  .object({
    format: z.literal('truce-checkpoint'),
    version: z.literal(CACHE_VERSION),
    seq: count,
    bytes: count,
    hash: hex64,
    /** Null: `replay` is the whole state. Else the seq of the checkpoint `edits` apply to. */
    from: count.nullable(),
    replay: replaySnapshotSchema.optional(),
    /**
     * With a whole state: the objects its projection shares with its machine (a proposal's
     * terms), written once, in the machine, and `null` in the projection's places.
     */
    shared: z.custom<Array<[StatePath, StatePath]>>(every(isLink), 'expected links').optional(),
    /** What changed since checkpoint `from` ({@link applyStateDelta}). */
    edits: z.custom<StateEdit[]>(every(isEdit), 'expected edits').optional(),
  })
  .strict()
  .refine(
    (c) =>
      c.from === null
        ? c.replay !== undefined && c.edits === undefined && c.replay.seq === c.seq
        : c.edits !== undefined &&
          c.replay === undefined &&
          c.shared === undefined &&
          c.from < c.seq,
    { message: 'a checkpoint holds either a whole state of its seq or the edits since another' },
  );

/** A checkpoint file as read back. */
export type CacheCheckpoint = z.infer<typeof checkpointSchema>;

/**
 * A file's identity, size and times (device, inode, size, modification and change times in
 * nanoseconds), as decimal strings: the log's, as the index records it, and a whole state's file
 * a block is copied from ({@link ListTexts}). While two are the same ({@link sameFingerprint})
 * nothing was written to the file: a write changes them, and the change time cannot be set back.
 */
export type LogFingerprint = NonNullable<CacheIndex['log']>;

/** The fingerprint of a `stat({ bigint: true })`. */
export function fingerprintOf(stat: {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}): LogFingerprint {
  return {
    dev: String(stat.dev),
    ino: String(stat.ino),
    size: String(stat.size),
    mtimeNs: String(stat.mtimeNs),
    ctimeNs: String(stat.ctimeNs),
  };
}

/**
 * Whether two fingerprints are of the same file, not written to between them; the one rule of
 * "unchanged" for the log and the cache's own files. Null (none recorded) is never the same.
 */
export function sameFingerprint(a: LogFingerprint | null, b: LogFingerprint): boolean {
  return (
    a !== null &&
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

/**
 * The chained hash of a log's prefix, fed the log's bytes as they are read: at each mark the
 * hash of everything before it is the SHA-256 of the previous mark's hash and the bytes since.
 * Holds a copy of the bytes fed and not yet hashed (one checkpoint's worth at most, in one
 * buffer reused as it goes), so a reader may reuse its chunk buffers.
 */
export class ChainHasher {
  #hash: Hash;
  /** Offset of the first byte not yet hashed. */
  #hashed: number;
  /** The bytes from `#hashed` on: `#held[#start, #start + #length)`. */
  #held = Buffer.allocUnsafe(1 << 17);
  #start = 0;
  #length = 0;
  /** The last link of the chain: a mark's hash, which a peek at the same place returns. */
  #link: { at: number; hash: string };

  constructor(previous = '', at = 0) {
    this.#hash = startLink(createHash, previous);
    this.#hashed = at;
    this.#link = { at, hash: previous };
  }

  /** The offset just past the bytes fed so far. */
  get readTo(): number {
    return this.#hashed + this.#length;
  }

  /** Bytes read from the log, in order (copied: the caller may reuse them). */
  feed(chunk: Uint8Array): void {
    if (this.#start + this.#length + chunk.length > this.#held.length) {
      const need = this.#length + chunk.length;
      const into = need > this.#held.length ? Buffer.allocUnsafe(2 * need) : this.#held;
      this.#held.copy(into, 0, this.#start, this.#start + this.#length);
      this.#held = into;
      this.#start = 0;
    }
    this.#held.set(chunk, this.#start + this.#length);
    this.#length += chunk.length;
  }

  /** Bytes `[from, to)` of what was fed and not yet hashed past: a view, good until the next feed. */
  slice(from: number, to: number): Buffer {
    const at = this.#start - this.#hashed;
    const end = this.#start + this.#length;
    return this.#held.subarray(
      Math.min(end, Math.max(this.#start, at + from)),
      Math.min(end, Math.max(this.#start, at + to)),
    );
  }

  #advance(to: number): void {
    if (to < this.#hashed || to > this.readTo) {
      throw new RangeError(`cannot hash to ${to}: bytes ${this.#hashed}–${this.readTo} are held`);
    }
    const take = to - this.#hashed;
    this.#hash.update(this.#held.subarray(this.#start, this.#start + take));
    this.#start += take;
    this.#length -= take;
    this.#hashed = to;
    if (this.#length === 0) this.#start = 0;
  }

  /** The hash of bytes `[0, to)`, and the chain goes on from there. */
  mark(to: number): string {
    if (to === this.#link.at) return this.#link.hash;
    this.#advance(to);
    const digest = this.#hash.digest('hex');
    this.#hash = startLink(createHash, digest);
    this.#link = { at: to, hash: digest };
    return digest;
  }

  /**
   * Hashes what was fed up to `to` now, so that only the bytes after it stay held (a mark or
   * peek must then come at `to` or later).
   */
  hashTo(to: number): void {
    if (to > this.#hashed) this.#advance(to);
  }

  /** The hash of bytes `[0, to)`, without making `to` a link of the chain. */
  peek(to: number): string {
    if (to === this.#link.at) return this.#link.hash;
    this.#advance(to);
    return this.#hash.copy().digest('hex');
  }
}

/** Where a cache lives and how it is read and written. */
export interface CacheAccess {
  /** The cache folder. */
  dir: string;
  fs: StoreFs;
  /** One line about why the cache is not used (printed under `--debug`). */
  note: (message: string) => void;
}

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_WRONLY, O_CREAT, O_EXCL } = constants;

/** Reads a file of the cache, without following a link; undefined if it cannot. */
async function readBytes(
  access: CacheAccess,
  name: string,
  size: { exactly: number } | { atMost: number },
): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    handle = await access.fs.open(join(access.dir, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') {
      access.note(`cannot read ${name} of the checkpoint cache (${errnoOf(error) ?? 'error'})`);
    }
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    // A file not of the size listed (or, for the index, far larger than any) is not read: a
    // damaged cache could otherwise fill the memory with a file of gigabytes.
    if ('exactly' in size ? stat.size !== size.exactly : stat.size > size.atMost) {
      access.note(
        `${name} of the checkpoint cache is not of the size it should be; it is not used`,
      );
      return undefined;
    }
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** JSON text as a value, or undefined (with a note) when it is not JSON. */
function parseJson(access: CacheAccess, name: string, bytes: Buffer | undefined): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    access.note(`${name} of the checkpoint cache is not JSON; it is rebuilt`);
    return undefined;
  }
}

/** The checksum of an index: the SHA-256 of its JSON without the checksum. */
function checksumOf(index: Omit<CacheIndex, 'checksum'> & { checksum?: string }): string {
  const { checksum: _ignored, ...body } = index;
  return sha256(Buffer.from(JSON.stringify(body)));
}

/**
 * Whether the cache folder may be used: absent (it is made on first write) or a real folder,
 * never a symbolic link or anything else at its name.
 */
export async function cacheUsable(access: CacheAccess): Promise<boolean> {
  return folderUsable(access);
}

/**
 * {@link cacheUsable} at once: asked before every file written (one `lstat`, microseconds; a
 * call through `fs/promises` waits for a core twice on a busy machine, see `StoreFs`).
 */
function folderUsable(access: CacheAccess): boolean {
  try {
    const stat = access.fs.lstatSync(access.dir);
    if (stat.isDirectory()) return true;
    access.note(`${access.dir} is not a folder (a link or a file): the checkpoint cache is off`);
    return false;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return true;
    access.note(`cannot use ${access.dir}: ${errnoOf(error) ?? 'error'}; no checkpoint cache`);
    return false;
  }
}

/**
 * The largest `index.json` read: about 200 bytes a checkpoint, one every 1,024 events, so
 * room for a log of some 300 million events.
 */
export const INDEX_MAX_BYTES = 64 * 1024 * 1024;

let shape: string | undefined;

/** The {@link CacheIndex.shape} of this build of truce. */
export function replayShape(): string {
  shape ??= sha256(Buffer.from(JSON.stringify(new Replayer().snapshot())));
  return shape;
}

/** The index, or undefined when missing or not a valid index of this version. */
export async function readCacheIndex(access: CacheAccess): Promise<CacheIndex | undefined> {
  const value = parseJson(
    access,
    'index.json',
    await readBytes(access, 'index.json', { atMost: INDEX_MAX_BYTES }),
  );
  if (value === undefined) return undefined;
  const index = decodeIndex(value);
  // Summed as written (JSON.parse keeps the order of keys), not as the schema rebuilt it.
  if (
    index === undefined ||
    checksumOf(value as CacheIndex) !== index.checksum ||
    index.shape !== replayShape()
  ) {
    access.note('the checkpoint cache index is of another version or damaged; it is rebuilt');
    return undefined;
  }
  return index;
}

/** The index's schema compiled to a check (`compileFastDecode`), once, when first needed. */
let indexCheck: FastDecode | null | undefined;

/**
 * `value` as the index's schema decodes it, or undefined when the schema refuses it. The check
 * compiled from the schema answers for an index as truce writes it (a thousand checkpoints:
 * zod took 40 ms, a quarter of a query near the end of a long log); zod decides anything else.
 */
export function decodeIndex(value: unknown): CacheIndex | undefined {
  if (indexCheck === undefined) indexCheck = compileFastDecode(indexSchema);
  const fast = indexCheck === null ? NOT_SURE : indexCheck(value);
  if (fast !== NOT_SURE) return fast as CacheIndex;
  const parsed = indexSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A checkpoint file, or undefined unless it is valid and the very one the index lists. */
export async function readCacheCheckpoint(
  access: CacheAccess,
  mark: CacheIndex['checkpoints'][number],
  /** False when edits will be applied to the state in place: each shared object is copied. */
  share = true,
): Promise<(CacheCheckpoint & { fileSize: number }) | undefined> {
  const bytes = await readBytes(access, mark.file, { exactly: mark.size });
  if (bytes === undefined) return undefined;
  const value = sha256(bytes) === mark.fileHash ? parseJson(access, mark.file, bytes) : undefined;
  const parsed = checkpointSchema.safeParse(value);
  if (
    !parsed.success ||
    parsed.data.seq !== mark.seq ||
    parsed.data.bytes !== mark.bytes ||
    parsed.data.hash !== mark.hash ||
    parsed.data.from !== mark.from ||
    (parsed.data.shared !== undefined && !linkShared(parsed.data.replay, parsed.data.shared, share))
  ) {
    access.note(`checkpoint ${mark.file} does not match the index; it is not used`);
    return undefined;
  }
  return { ...parsed.data, fileSize: bytes.length };
}

/** The value at `path` in `state`, or undefined when a step is not there (own keys only). */
function valueAt(state: unknown, path: StatePath): unknown {
  let at: unknown = state;
  for (const step of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    if (
      Array.isArray(at) ? typeof step !== 'number' || step >= at.length : !Object.hasOwn(at, step)
    ) {
      return undefined;
    }
    at = (at as Record<string | number, unknown>)[step];
  }
  return at;
}

/**
 * Puts each shared object of a whole state read back into its projection's places, which the
 * file holds as `null`: the state is then the one written, objects shared as they were (or,
 * unless `share`, equal copies: a delta's edits change a state in place, and an edit of the
 * machine's object must not reach the projection's). False when a link does not fit the state
 * (a place that is not `null`, a path that leads nowhere, something other than an object to
 * share): the file is not used.
 */
function linkShared(
  replay: unknown,
  shared: ReadonlyArray<[StatePath, StatePath]>,
  share: boolean,
): boolean {
  for (const [from, to] of shared) {
    const value = valueAt(replay, from);
    const parent = valueAt(replay, to.slice(0, -1));
    const key = to[to.length - 1] as string | number;
    if (typeof value !== 'object' || value === null || valueAt(parent, [key]) !== null) {
      return false;
    }
    // An own place, checked above: an own `__proto__` key is set as data, never as a prototype.
    (parent as Record<string | number, unknown>)[key] = share ? value : structuredClone(value);
  }
  return true;
}

/** Any key or index, in a place of {@link SHARED_PLACES}. */
const ANY = Symbol('any');

/**
 * The places where the projection keeps objects its machine holds, as the folds build it: a
 * proposal's terms (the proposal's own object, which the machine keeps too), and the parts of a
 * started phase's terms (spread into that phase's entry of `terms`). Only these are looked for,
 * so a tail's walk costs the terms, not the million objects of a large deal's machine (a map of
 * them all took the first replay's peak from 216 to 283 MB). A test holds them to a search of
 * the whole state; an object shared anywhere else would be written twice, never lost.
 */
const SHARED_PLACES: ReadonlyArray<ReadonlyArray<string | typeof ANY>> = [
  ['proposals', ANY, 'terms'],
  ['terms', ANY, ANY],
];

/**
 * The objects of a replay state's projection that are its machine's own (the projection keeps a
 * proposal's terms as the machine holds them), at the places of {@link SHARED_PLACES}, as links
 * from the machine's place to the projection's, and the state with those projection places
 * `null` (copied along their paths; the state itself is never changed), so a whole state writes
 * each of them once. The machine's place of an object is the first met in the order JSON writes
 * the machine.
 */
export function sharedOf(replay: ReplaySnapshot): {
  replay: ReplaySnapshot;
  shared: Array<[StatePath, StatePath]>;
} {
  // The projection's objects at those places, in the order JSON writes them.
  const places: Array<{ path: StatePath; value: object }> = [];
  const wanted = new Map<object, StatePath | undefined>();
  const projection = replay.projection as unknown as Record<string, unknown>;
  const path: StatePath = ['projection'];
  const collect = (value: unknown, place: ReadonlyArray<string | typeof ANY>, depth: number) => {
    if (typeof value !== 'object' || value === null) return;
    if (depth === place.length) {
      places.push({ path: [...path], value });
      wanted.set(value, undefined);
      return;
    }
    const step = place[depth];
    const keys: Array<string | number> = Array.isArray(value)
      ? Array.from(value.keys())
      : Object.keys(value);
    for (const key of keys) {
      if (step !== ANY && key !== step) continue;
      path.push(key);
      collect((value as Record<string | number, unknown>)[key], place, depth + 1);
      path.pop();
    }
  };
  for (const key of Object.keys(projection)) {
    for (const place of SHARED_PLACES) {
      if (place[0] !== key) continue;
      path.push(key);
      collect(projection[key], place, 1);
      path.pop();
    }
  }
  if (wanted.size === 0) return { replay, shared: [] };
  // Their places in the machine, walked as JSON writes it (each place once, as the text holds
  // it), until every one is found.
  let left = wanted.size;
  const at: StatePath = [];
  const find = (value: object, key: string | number): boolean => {
    at.push(key);
    if (wanted.has(value) && wanted.get(value) === undefined) {
      wanted.set(value, [...at]);
      left--;
    }
    if (left > 0) {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && left > 0; i++) {
          const item: unknown = value[i];
          if (typeof item === 'object' && item !== null) find(item, i);
        }
      } else {
        for (const child of Object.keys(value)) {
          const item: unknown = (value as Record<string, unknown>)[child];
          if (typeof item === 'object' && item !== null && !find(item, child)) break;
        }
      }
    }
    at.pop();
    return left > 0;
  };
  if (typeof replay.machine === 'object' && replay.machine !== null)
    find(replay.machine, 'machine');
  const shared: Array<[StatePath, StatePath]> = [];
  for (const { path: place, value } of places) {
    const from = wanted.get(value);
    if (from !== undefined) shared.push([from, place]);
  }
  if (shared.length === 0) return { replay, shared };
  // Copied along each place's path (each container once), the place itself set to null.
  const copies = new Map<object, Record<string | number, unknown>>();
  const copy = (value: object) => {
    let made = copies.get(value);
    if (made === undefined) {
      made = (Array.isArray(value) ? [...value] : { ...value }) as Record<string | number, unknown>;
      copies.set(value, made);
    }
    return made;
  };
  const top = copy(replay) as unknown as ReplaySnapshot;
  for (const [, place] of shared) {
    let original = replay as unknown as Record<string | number, unknown>;
    let made = top as unknown as Record<string | number, unknown>;
    for (let i = 0; i < place.length - 1; i++) {
      const step = place[i] as string | number;
      original = original[step] as Record<string | number, unknown>;
      const next = copy(original);
      made[step] = next;
      made = next;
    }
    made[place[place.length - 1] as string | number] = null;
  }
  return { replay: top, shared };
}

/** A replay state loaded from the cache, or where the checkpoints stopped holding. */
export type LoadedState = { ok: true; replay: ReplaySnapshot } | { ok: false; broken: number };

/**
 * The last replay state {@link loadCheckpointState} built, kept for the next call that would
 * build it from the very same files (the same folder, names and SHA-256s, as the index lists
 * them): a program that asks for one state after another near the same checkpoint (the
 * inspector stepping through a long log) reads and parses the files once, not at every step.
 * The files' hashes pin their bytes, so the state is the one they would give again; a replay
 * resumed from it never changes it (the machine's context is persistent, the projections copy
 * on write), so it is handed out as it is. Only the caller decides whether the log still holds
 * (the index is proven against the log before any state is asked for). One state at most.
 *
 * @example
 * const memo = new CheckpointMemo();
 * await replayLogCached('big.jsonl', { until: 999_000, memo });
 * await replayLogCached('big.jsonl', { until: 999_001, memo }); // the state at 998,400 again
 */
export class CheckpointMemo {
  #key: string | undefined;
  #replay: ReplaySnapshot | undefined;

  /** The state built from the files `key` names, if it is the one kept. */
  get(key: string): ReplaySnapshot | undefined {
    return key === this.#key ? this.#replay : undefined;
  }

  /** Keeps `replay`, the state built from the files `key` names, instead of the one before. */
  set(key: string, replay: ReplaySnapshot): void {
    this.#key = key;
    this.#replay = replay;
  }

  /** Lets the state kept go. */
  clear(): void {
    this.#key = undefined;
    this.#replay = undefined;
  }
}

/** What names the files a state is built from: the folder, and each file's name and hash. */
function memoKey(access: CacheAccess, files: ReadonlyArray<{ file: string; fileHash: string }>) {
  return JSON.stringify([access.dir, ...files.map(({ file, fileHash }) => [file, fileHash])]);
}

/**
 * The replay state at `checkpoints[at]`: the nearest whole state at or before it (a checkpoint
 * that holds one, or, among the last checkpoints, the index's `tails` when they hold), with the
 * edits of each checkpoint after it applied in order. Every file is
 * read as {@link readCacheCheckpoint} reads it, and the state built is checked by the replay
 * snapshot's schema. When a file does not hold, says which (`broken`, its place in the list).
 *
 * @example
 * const loaded = await loadCheckpointState(access, verified.checkpoints, i);
 * if (loaded.ok) new Replayer({ from: loaded.replay });
 */
export async function loadCheckpointState(
  access: CacheAccess,
  checkpoints: CacheIndex['checkpoints'],
  at: number,
  tails: CacheIndex['tails'] = [],
  /** The state last built, kept (see {@link CheckpointMemo}); none by default. */
  memo?: CheckpointMemo,
): Promise<LoadedState> {
  const markAt = (i: number) => checkpoints[i] as CacheIndex['checkpoints'][number];
  const tailOf = (i: number) =>
    i >= checkpoints.length - TAILS ? tails.find((t) => t.seq === markAt(i).seq) : undefined;
  /** The state from a whole state's file and the edits of checkpoints `first + 1` to `at`. */
  const built = async (
    whole: { file: string; fileHash: string },
    read: () => Promise<LoadedState>,
  ) => {
    const key = memo && memoKey(access, [whole, ...checkpoints.slice(first + 1, at + 1)]);
    const kept = key === undefined ? undefined : memo?.get(key);
    if (kept !== undefined) return { ok: true, replay: kept } as const;
    const state = await read();
    if (state.ok && key !== undefined) memo?.set(key, state.replay);
    return state;
  };
  // The nearest whole state at or before `at`: a checkpoint that holds one, or a tail.
  let first = at;
  while (first > 0 && markAt(first).from !== null && tailOf(first) === undefined) first--;
  const tail = markAt(first).from === null ? undefined : tailOf(first);
  if (tail !== undefined) {
    // Read shared, as a replay holds it; the edits after it (the last checkpoint's) are applied
    // by copying what they go through, so an edit of the machine's object never reaches the
    // projection's and the state stays shared (a tail written from it writes them once).
    const state = await built(tail, async () => {
      const whole = await readCacheCheckpoint(access, { ...markAt(first), ...tail, from: null });
      return whole === undefined
        ? { ok: false, broken: first }
        : applyEditsAfter(access, checkpoints, first, at, whole.replay, true);
    });
    if (state.ok) return state;
    // A tail that does not hold, or edits after it that do not: the chain from the whole state
    // before it, which says which file is broken.
    while (first > 0 && markAt(first).from !== null) first--;
  }
  return built(markAt(first), () => applyEditsAfter(access, checkpoints, first - 1, at, undefined));
}

/**
 * The state at checkpoint `at`: `state`, the whole state at checkpoint `from` (or, with `from`
 * one before a checkpoint that holds a whole state, nothing yet), with the checkpoints after it
 * applied in order, each file read as {@link readCacheCheckpoint} reads it.
 */
async function applyEditsAfter(
  access: CacheAccess,
  checkpoints: CacheIndex['checkpoints'],
  from: number,
  at: number,
  start: unknown,
  /** `start` is shared: edits copy what they go through ({@link applyStateDelta}'s `copy`). */
  copy = false,
): Promise<LoadedState> {
  let state = start;
  // Read a few at a time (each file is an open, a stat, a read and a close), applied in order.
  for (let next = from + 1; next <= at; next += 8) {
    const batch = checkpoints.slice(next, Math.min(at + 1, next + 8));
    // A whole state with edits to apply after it is read unshared (the edits work in place).
    const loaded = await Promise.all(
      batch.map((mark) => readCacheCheckpoint(access, mark, mark.seq === checkpoints[at]?.seq)),
    );
    for (const [i, checkpoint] of loaded.entries()) {
      if (checkpoint === undefined) return { ok: false, broken: next + i };
      if (checkpoint.from === null) state = checkpoint.replay;
      else {
        try {
          state = applyStateDelta(state, checkpoint.edits as StateEdit[], { copy });
        } catch {
          access.note(`checkpoint ${batch[i]?.file} does not fit the one before; it is not used`);
          return { ok: false, broken: next + i };
        }
      }
    }
  }
  const replay = replaySnapshotSchema.safeParse(state);
  if (!replay.success || replay.data.seq !== (checkpoints[at] as CacheMark).seq) {
    access.note(`the state at checkpoint ${checkpoints[at]?.file} is not a replay's; not used`);
    return { ok: false, broken: at };
  }
  return { ok: true, replay: replay.data as ReplaySnapshot };
}

/** The file name of a checkpoint: its seq and hash, so two logs never share one. */
export function checkpointFileName(seq: number, hash: string): string {
  return `${seq}-${hash.slice(0, 16)}.json`;
}

/**
 * Writes a file of the cache atomically: a new temp file (never through a link), renamed over
 * the name (a link there is replaced, not followed). The content is handed over in pieces
 * (`content` calls its `write` with each), so a large state is never one string. Returns the
 * SHA-256 and size of what was written, or undefined.
 *
 * The file is written with the file system's calls made at once (`…Sync`): a first replay
 * writes a thousand files, and through `fs/promises` each call was a round trip through libuv's
 * thread pool, which on a busy machine took longer than writing the file. Creating a file can
 * wait for the file system's journal while the data written before is flushed (1.4 ms a file,
 * measured during a first replay): with `openNext`, the temp file of the next write is created
 * in the thread pool while the replay goes on ({@link closeNextFile} removes it when unused).
 * Nothing waits for the disk: nothing is flushed (a cache lost in a power cut is rebuilt).
 */
async function writeAtomic(
  access: CacheAccess,
  name: string,
  content: Content,
  openNext = false,
): Promise<{ hash: string; size: number } | undefined> {
  const { fs } = access;
  let temp: string | undefined;
  let fd: number | undefined;
  try {
    // Made once per command; whether it is still a real folder is asked at every write.
    if (!madeDirs.has(access)) await fs.mkdir(access.dir, { recursive: true });
    if (!folderUsable(access)) return undefined;
    madeDirs.add(access);
    const made = await takeNextFile(access);
    if (made !== undefined) ({ fd, path: temp } = made);
    else {
      temp = tempPath(access, name);
      fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL, 0o666);
    }
    if (openNext) nextFiles.set(access, openTemp(access));
    const written = writeAll(fs, fd, content);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, join(access.dir, name));
    return written;
  } catch (error) {
    access.note(`cannot write the checkpoint cache in ${access.dir}: ${errnoOf(error) ?? error}`);
    removeTemp(access, fd, temp);
    return undefined;
  }
}

/** A temp file's path for a file of the cache (`.NAME.HEX.tmp`, see {@link STALE_TEMP_MS}). */
function tempPath(access: CacheAccess, name: string): string {
  return join(access.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Closes (when open) and removes a temp file, whatever is left of it. */
function removeTemp(access: CacheAccess, fd: number | undefined, path: string | undefined): void {
  try {
    if (fd !== undefined) access.fs.closeSync(fd);
  } catch {
    // Closed or not, the file is removed below.
  }
  try {
    if (path !== undefined) access.fs.unlinkSync(path);
  } catch {
    // Never made, or gone: nothing is left.
  }
}

/** A temp file made ahead for a cache's next write, or the error that kept it from being made. */
type NextFile = { fd: number; path: string } | { error: unknown };

/** The temp file each cache's next write is to take ({@link writeAtomic}'s `openNext`). */
const nextFiles = new WeakMap<CacheAccess, Promise<NextFile>>();

/** Creates a temp file in the thread pool, never through a link (`O_EXCL`). */
function openTemp(access: CacheAccess): Promise<NextFile> {
  const path = tempPath(access, 'next');
  return access.fs.openFd(path, O_WRONLY | O_CREAT | O_EXCL, 0o666).then(
    (fd) => ({ fd, path }),
    (error: unknown) => ({ error }),
  );
}

/** The temp file made ahead for this write, if any; throws what kept it from being made. */
async function takeNextFile(
  access: CacheAccess,
): Promise<{ fd: number; path: string } | undefined> {
  const next = nextFiles.get(access);
  if (next === undefined) return undefined;
  nextFiles.delete(access);
  const made = await next;
  if ('error' in made) throw made.error;
  return made;
}

/**
 * Removes the temp file made ahead for a write that did not come (the replay wrote its last
 * checkpoint); to be called once a replay is done writing the cache.
 */
export async function closeNextFile(access: CacheAccess): Promise<void> {
  const next = nextFiles.get(access);
  if (next === undefined) return;
  nextFiles.delete(access);
  const made = await next;
  if (!('error' in made)) removeTemp(access, made.fd, made.path);
}

/** The caches whose folder this process made or found. */
const madeDirs = new WeakSet<CacheAccess>();

/** A checkpoint to write: the whole replay state, or the edits since checkpoint `from`. */
export type NewCheckpoint = { seq: number; bytes: number; hash: string } & (
  | { from: null; replay: ReplaySnapshot }
  | { from: number; edits: StateEdit[] }
);

/**
 * Where each block of a whole state's long lists lies in its file: the next whole state written
 * by the same replay copies the blocks whose entries did not change instead of writing them
 * again ({@link ListReuse}).
 */
export interface ListTexts {
  /** The file, and its fingerprint once in place: it is read only while its fingerprint is that. */
  file: string;
  fingerprint: LogFingerprint;
  /** The seq of its state: only a state at that seq or later may take from it. */
  seq: number;
  /** Entries a block holds (the last of a list may hold fewer). */
  block: number;
  /** Per list: its length, and each block's bytes in the file (start and end, block after block). */
  lists: Map<string, { length: number; at: number[] }>;
}

/**
 * What a whole state being written may take from the last one the same replay wrote: the long
 * lists only append or replace an entry (the replayer accounts for each replaced one), so a
 * block of entries that the last file holds whole and none of whose entries was replaced since
 * has the very same text, which is copied from that file rather than written from the state
 * (a whole state of the million-event log is 28 MB, three quarters of it in these lists).
 */
export interface ListReuse {
  /** Entries per block. */
  block: number;
  /** The state's long lists, by name: the arrays it holds (met as a field's value, by identity). */
  lists: ReadonlyMap<string, readonly unknown[]>;
  /** The last whole state's blocks, if that replay wrote one. */
  from: ListTexts | undefined;
  /** The indexes of each list's entries replaced since that state (more is harmless). */
  replaced: ReadonlyMap<string, ReadonlySet<number>>;
}

/** The most bytes of one block copied from another file (a larger block is written anew). */
const COPY_MAX = 1 << 20;

/** The bytes of the block being copied ({@link BlockCopier}), reused from one block to the next. */
let copyBuffer = Buffer.allocUnsafe(0);

/**
 * Writes one checkpoint file (as the index's `tail` when `tail` is set); returns its name and
 * hash, or undefined when it could not. A whole state given `reuse` copies the blocks of its
 * long lists the last whole state's file holds as they are, and says where its own lie (`texts`).
 */
export async function writeCacheCheckpoint(
  access: CacheAccess,
  checkpoint: NewCheckpoint,
  tail = false,
  /** Another write is to follow: its temp file is made now, in the background (see {@link writeAtomic}). */
  openNext = false,
  reuse?: ListReuse,
): Promise<{ file: string; fileHash: string; size: number; texts?: ListTexts } | undefined> {
  const file = `${tail ? 'tail-' : ''}${checkpointFileName(checkpoint.seq, checkpoint.hash)}`;
  // A tail writes what its projection shares with its machine once: a query reads it alone and
  // keeps it shared. Finding what is shared walks the whole state (a few hundred milliseconds
  // for a million-event deal's), so the whole states between edits, which a query reads
  // unshared anyway (edits apply in place), are written as they are.
  const body =
    checkpoint.from === null && tail
      ? { ...checkpoint, ...sharedOf(checkpoint.replay) }
      : checkpoint;
  const lists =
    checkpoint.from === null && reuse !== undefined
      ? new Map<string, { length: number; at: number[] }>()
      : undefined;
  const written = await writeAtomic(
    access,
    file,
    // Each piece as it comes: the writer gathers them in its own buffer.
    (write, position) => {
      const value = { format: 'truce-checkpoint', version: CACHE_VERSION, ...body };
      if (lists === undefined || reuse === undefined) {
        writeCompactJson(value, write);
        return;
      }
      const copier = new BlockCopier(access, reuse.from, checkpoint.seq);
      try {
        writeCompactJson(value, write, listWriters(reuse, copier, lists, write, position));
      } finally {
        copier.close();
      }
    },
    openNext,
  );
  if (written === undefined) return undefined;
  const made = { file, fileHash: written.hash, size: written.size };
  if (lists === undefined || reuse === undefined) return made;
  // What the file is once in place (a rename changes its change time), for the next to check.
  let stat: ReturnType<StoreFs['statBigIntSync']>;
  try {
    stat = access.fs.statBigIntSync(join(access.dir, file));
  } catch {
    // Written, but not known as it is now: the next whole state copies nothing from it.
    return made;
  }
  if (stat === undefined || stat.size !== BigInt(written.size)) return made;
  return {
    ...made,
    texts: {
      file,
      fingerprint: fingerprintOf(stat),
      seq: checkpoint.seq,
      block: reuse.block,
      lists,
    },
  };
}

/**
 * The writers of a whole state's long lists ({@link ListReuse}), block by block: each block
 * copied when it can be, else written from its entries; where each lies is kept in `lists`. A
 * list that is not the state's own array (a tail's proposals, copied to write what they share
 * once) is written as any value is, and not kept.
 */
function listWriters(
  reuse: ListReuse,
  copier: BlockCopier,
  lists: Map<string, { length: number; at: number[] }>,
  write: (piece: string | Uint8Array) => void,
  position: () => number,
): CompactWriters {
  const projection: Record<string, (value: unknown) => void> = {};
  for (const [name, items] of reuse.lists) {
    projection[name] = (value) => {
      if (value !== items) {
        writeCompactJson(value, write);
        return;
      }
      const { block } = reuse;
      const old = reuse.from?.lists.get(name);
      // Blocks of the old file that hold an entry replaced since.
      const changed = new Set<number>();
      for (const index of reuse.replaced.get(name) ?? []) changed.add(Math.floor(index / block));
      const at: number[] = [];
      write('[');
      for (let from = 0; from < items.length; from += block) {
        const to = Math.min(items.length, from + block);
        const i = from / block;
        if (from > 0) write(',');
        const start = position();
        const copied =
          old !== undefined &&
          reuse.from?.block === block &&
          items.length >= old.length &&
          Math.min(old.length, from + block) === to &&
          !changed.has(i) &&
          copier.copy(old.at[2 * i] as number, old.at[2 * i + 1] as number, write);
        if (!copied) writeCompactItems(items, from, to, write);
        at.push(start, position());
      }
      write(']');
      lists.set(name, { length: items.length, at });
    };
  }
  return { replay: { projection } };
}

/**
 * Copies byte ranges of the last whole state's file, while its fingerprint is the one it had
 * once written ({@link sameFingerprint}, as the log's is checked), each range whole or not at all.
 */
class BlockCopier {
  readonly #access: CacheAccess;
  readonly #from: ListTexts | undefined;
  #fd: number | undefined;
  /** False once the file cannot be used: no range is copied from then on. */
  #usable: boolean;

  constructor(access: CacheAccess, from: ListTexts | undefined, seq: number) {
    this.#access = access;
    this.#from = from;
    this.#usable = from !== undefined && from.seq <= seq;
  }

  /** Writes bytes `[start, end)` of the file; false, and nothing written, when it cannot. */
  copy(start: number, end: number, write: (piece: Uint8Array) => void): boolean {
    if (!this.#usable || !(end > start) || end - start > COPY_MAX) return false;
    const fd = this.#open();
    if (fd === undefined) return false;
    // One buffer for every copy, grown as needed: what is written is taken at once.
    if (copyBuffer.length < end - start) {
      copyBuffer = Buffer.allocUnsafe(Math.min(COPY_MAX, 2 ** Math.ceil(Math.log2(end - start))));
    }
    const bytes = copyBuffer.subarray(0, end - start);
    let done = 0;
    try {
      while (done < bytes.length) {
        const read = this.#access.fs.readSync(fd, bytes, done, bytes.length - done, start + done);
        if (read === 0) break;
        done += read;
      }
    } catch {
      done = -1;
    }
    if (done !== bytes.length) {
      this.#usable = false;
      return false;
    }
    write(bytes);
    return true;
  }

  #open(): number | undefined {
    if (this.#fd !== undefined) return this.#fd;
    const from = this.#from as ListTexts;
    const { fs } = this.#access;
    try {
      const fd = fs.openSync(join(this.#access.dir, from.file), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      this.#fd = fd;
      const now = fs.fstatBigIntSync(fd);
      if (now.isFile() && sameFingerprint(from.fingerprint, fingerprintOf(now))) return fd;
    } catch {
      // Gone, or not a file truce can read: written anew.
    }
    this.#usable = false;
    return undefined;
  }

  close(): void {
    if (this.#fd === undefined) return;
    try {
      this.#access.fs.closeSync(this.#fd);
    } catch {
      // Only read: nothing is lost.
    }
    this.#fd = undefined;
  }
}

/**
 * The cache's ids file, written as a replay goes: the fingerprints of the ids of events 1..n
 * (two 32-bit words an event, little-endian on disk), each part appended to a temp file and
 * hashed as it comes, so a million events' 8 MB are not all held until the end of the replay;
 * {@link CacheIdsWriter.finish} names the file by its hash. A writer that fails once writes
 * nothing more and leaves no file.
 *
 * @example
 * const ids = new CacheIdsWriter(access);
 * await ids.write(fullBlocks);
 * const entry = await ids.finish(lastBlocks, seq);
 */
export class CacheIdsWriter {
  readonly #access: CacheAccess;
  readonly #temp: string;
  #handle: FileHandle | undefined;
  readonly #hash = createHash('sha256');
  #count = 0;
  #done = false;

  constructor(access: CacheAccess) {
    this.#access = access;
    this.#temp = join(access.dir, `.ids.${randomBytes(6).toString('hex')}.tmp`);
  }

  /** Appends the fingerprints of the next events; false (and nothing kept) when it cannot. */
  async write(parts: readonly Uint32Array[]): Promise<boolean> {
    if (this.#done) return false;
    try {
      if (this.#handle === undefined) {
        if (!madeDirs.has(this.#access)) {
          await this.#access.fs.mkdir(this.#access.dir, { recursive: true });
        }
        if (!(await cacheUsable(this.#access))) throw new Error('not a folder truce can use');
        madeDirs.add(this.#access);
        this.#handle = await this.#access.fs.open(this.#temp, 'wx');
      }
      for (const words of parts) {
        const bytes = littleEndianBytes(words);
        this.#hash.update(bytes);
        for (let done = 0; done < bytes.length; ) {
          done += (await this.#handle.write(bytes, done, bytes.length - done)).bytesWritten;
        }
        this.#count += words.length / 2;
      }
      return true;
    } catch (error) {
      this.#access.note(
        `cannot write the checkpoint cache in ${this.#access.dir}: ${errnoOf(error) ?? error}`,
      );
      await this.abort();
      return false;
    }
  }

  /**
   * Appends the last fingerprints and names the file by its hash: the index's entry, when the
   * file holds exactly `count` of them; else undefined, and no file.
   */
  async finish(
    parts: readonly Uint32Array[],
    count: number,
  ): Promise<CacheIndex['ids'] | undefined> {
    if (!(await this.write(parts))) return undefined;
    if (this.#count !== count) {
      await this.abort();
      return undefined;
    }
    try {
      await this.#handle?.close();
      this.#handle = undefined;
      const fileHash = this.#hash.digest('hex');
      const file = `ids-${fileHash.slice(0, 16)}.bin`;
      await this.#access.fs.rename(this.#temp, join(this.#access.dir, file));
      this.#done = true;
      return { file, count, fileHash };
    } catch (error) {
      this.#access.note(
        `cannot write the checkpoint cache in ${this.#access.dir}: ${errnoOf(error) ?? error}`,
      );
      await this.abort();
      return undefined;
    }
  }

  /** Stops, leaving no file (nothing once finished). */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
    await this.#access.fs.unlink(this.#temp).catch(() => undefined);
  }
}

/** The bytes of 32-bit words, little-endian (a view of them on a little-endian machine). */
function littleEndianBytes(words: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
  const bytes = Buffer.alloc(words.byteLength);
  for (let i = 0; i < words.length; i++) bytes.writeUInt32LE(words[i] as number, i * 4);
  return bytes;
}

/**
 * The fingerprints of the ids of events 1..`need`, from the ids file the index lists, or
 * undefined when it is missing, damaged or not the one listed.
 */
export async function readCacheIds(
  access: CacheAccess,
  ids: CacheIndex['ids'],
  need: number,
): Promise<Uint32Array | undefined> {
  const bytes = await readBytes(access, ids.file, { exactly: ids.count * ID_FINGERPRINT_BYTES });
  if (
    bytes === undefined ||
    need > ids.count ||
    bytes.length !== ids.count * ID_FINGERPRINT_BYTES ||
    sha256(bytes) !== ids.fileHash
  ) {
    access.note(`${ids.file} of the checkpoint cache does not match the index; it is not used`);
    return undefined;
  }
  // Copied to an aligned buffer of its own; the fingerprints are little-endian on disk.
  const words = new Uint32Array(need * 2);
  if (LITTLE_ENDIAN) {
    new Uint8Array(words.buffer).set(bytes.subarray(0, need * ID_FINGERPRINT_BYTES));
  } else for (let i = 0; i < need * 2; i++) words[i] = bytes.readUInt32LE(i * 4);
  // A first word of 0 is no fingerprint (it marks an empty slot of the id index).
  for (let i = 0; i < need * 2; i += 2) if (words[i] === 0) return undefined;
  return words;
}

/**
 * Writes the index; then removes files it no longer lists: ids files always, checkpoints when
 * `sweep` is set (a rebuilt cache), and temp files left by a stopped replay (untouched for
 * {@link STALE_TEMP_MS}; a younger one may be another replay's, writing now).
 */
export async function writeCacheIndex(
  access: CacheAccess,
  body: Omit<CacheIndex, 'checksum'>,
  sweep = false,
): Promise<boolean> {
  const index: CacheIndex = { ...body, checksum: checksumOf(body) };
  const written = await writeAtomic(access, 'index.json', (write) => write(JSON.stringify(index)));
  if (written) {
    const keep = new Set([...index.checkpoints.map((c) => c.file), index.ids.file]);
    for (const tail of index.tails) keep.add(tail.file);
    const names = await access.fs.readdir(access.dir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter(
          (name) =>
            (idsFileName.test(name) || tailName.test(name) || (sweep && fileName.test(name))) &&
            !keep.has(name),
        )
        .map((name) => access.fs.unlink(join(access.dir, name)).catch(() => undefined)),
    );
    const now = Date.now();
    await Promise.all(
      names
        .filter((name) => tempName.test(name))
        .map(async (name) => {
          const path = join(access.dir, name);
          try {
            const stat = await access.fs.lstat(path);
            if (stat.isFile() && now - stat.mtimeMs > STALE_TEMP_MS) await access.fs.unlink(path);
          } catch {
            // Gone already (its replay renamed or removed it): nothing to sweep.
          }
        }),
    );
  }
  return written !== undefined;
}

/** What of an index still holds for the log as it is now. */
export interface VerifiedIndex {
  /** The checkpoints still true of the log, in order. */
  checkpoints: CacheIndex['checkpoints'];
  /** The end, when it still holds too. */
  end: CacheIndex['end'] | undefined;
  /** Whether everything the index lists holds. */
  whole: boolean;
  /**
   * Whether the log's prefix was hashed again (its fingerprint was not the one the index
   * records: an append, an edit, or only its metadata, such as a new hard link or `chmod`).
   */
  rehashed: boolean;
}

/**
 * Checks an index against the open log (`size` bytes to read, `now` its fingerprint): when the
 * log is as the index last saw it, by the last lines of its marks; else by hashing the log's
 * prefix through every mark, keeping those that hold until the first that does not.
 *
 * @example
 * const { checkpoints, end } = await verifyCacheIndex(handle, index, size, fingerprint);
 */
export async function verifyCacheIndex(
  handle: FileHandle,
  index: CacheIndex,
  size: number,
  now: LogFingerprint,
  options: ProveOptions = {},
): Promise<VerifiedIndex> {
  const marks = [...index.checkpoints, index.end];
  // Unchanged since proven: the end's last line is read back (and the checkpoint a replay
  // resumes from has its own checked before use, `lastLineHolds`).
  if (
    sameFingerprint(index.log, now) &&
    index.end.bytes <= size &&
    (await lastLineHolds(handle, index.end as LineMark, size))
  ) {
    return { checkpoints: index.checkpoints, end: index.end, whole: true, rehashed: false };
  }
  const held = await proveMarks(
    handle.fd,
    marks.map((mark, i) => ({ bytes: mark.bytes, hash: mark.hash, link: i < marks.length - 1 })),
    Math.min(size, index.end.bytes),
    options,
  );
  const checkpoints = index.checkpoints.slice(0, held);
  const end = held === marks.length ? index.end : undefined;
  return { checkpoints, end, whole: end !== undefined, rehashed: true };
}
