import { createHash, type Hash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { REPLAY_SNAPSHOT_VERSION, Replayer, type ReplaySnapshot } from '../replay/index.js';
import { type LineMark, lastLineHolds } from './checkpoint.js';
import { chunksOf, sha256 } from './logFile.js';
import { replaySnapshotSchema } from './snapshot.js';
import { errnoOf, type StoreFs } from './storeFs.js';

/**
 * The checkpoint cache beside a log (`LOG.truce-cache/`): the replay state (machine and
 * projections, `Replayer.snapshot()`) every {@link CHECKPOINT_EVERY} events, so time travel
 * replays at most that many events instead of the whole log.
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

/** Events between two checkpoints (see the README, "The checkpoint cache", for why 4,096). */
export const CHECKPOINT_EVERY = 1024;

/** The cache folder beside a log's real path. */
export function cachePathOf(realLog: string): string {
  return `${realLog}.truce-cache`;
}

const count = z.number().int().nonnegative();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const decimal = z.string().regex(/^[0-9]{1,40}$/);

/** A point of the log the cache knows: after event `seq`, at byte `bytes`. */
const markSchema = z
  .object({
    seq: count,
    bytes: count,
    lastLineStart: count,
    lastLineHash: hex64,
    /** The chained hash of bytes `[0, bytes)`. */
    hash: hex64,
    /** The latest `at` (ms since the epoch) of events 1..seq: `--at` before it cannot resume here. */
    maxAt: z.number().finite(),
  })
  .strict()
  .refine((m) => m.seq > 0 && m.lastLineStart < m.bytes, { message: 'an empty mark' });

/** A checkpoint listed in the index. */
export type CacheMark = z.infer<typeof markSchema>;

const fileName = /^[0-9]{1,16}-[0-9a-f]{16}\.json$/;

const indexSchema = z
  .object({
    format: z.literal('truce-cache'),
    version: z.literal(1),
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
    /** Each checkpoint with its file's name and the SHA-256 of the file's bytes. */
    checkpoints: z.array(
      markSchema.and(z.object({ file: z.string().regex(fileName), fileHash: hex64 })),
    ),
    /** The furthest point proven: every event up to it was read, checked and replayed. */
    end: markSchema.and(z.object({ ids: z.array(z.string()) })),
    /** The SHA-256 of the index's JSON without this field: a damaged index is not read. */
    checksum: hex64,
  })
  .strict()
  .refine(
    (index) => {
      let previous = { seq: 0, bytes: 0 };
      for (const mark of [...index.checkpoints, index.end]) {
        if (mark.seq < previous.seq || mark.bytes < previous.bytes) return false;
        if (mark !== index.end && (mark.seq === previous.seq || mark.bytes === previous.bytes)) {
          return false;
        }
        previous = mark;
      }
      const last = index.checkpoints.at(-1)?.seq ?? 0;
      return index.end.ids.length === index.end.seq - last;
    },
    { message: 'the index does not agree with itself' },
  );

/** The cache's index: its checkpoints in order and how far the log is proven. */
export type CacheIndex = z.infer<typeof indexSchema>;

const checkpointSchema = z
  .object({
    format: z.literal('truce-checkpoint'),
    version: z.literal(1),
    seq: count,
    bytes: count,
    hash: hex64,
    /** The ids of the events since the previous checkpoint, in seq order. */
    ids: z.array(z.string()),
    replay: replaySnapshotSchema,
  })
  .strict()
  .refine((c) => c.replay.seq === c.seq, { message: 'the snapshot is of another seq' });

/** A checkpoint file as read back. */
export type CacheCheckpoint = z.infer<typeof checkpointSchema>;

/** A log's size, identity and times, as decimal strings (nanoseconds). */
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

function sameFingerprint(a: LogFingerprint | null, b: LogFingerprint): boolean {
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
 * Holds the bytes since the last mark (one checkpoint's worth) and no more.
 */
export class ChainHasher {
  #hash: Hash;
  /** Offset of the first byte not yet hashed, and the bytes read from there on. */
  #hashed: number;
  #pending: Buffer[] = [];
  #read: number;
  /** The last link of the chain: a mark's hash, which a peek at the same place returns. */
  #link: { at: number; hash: string };

  constructor(previous = '', at = 0) {
    this.#hash = createHash('sha256').update(previous);
    this.#hashed = at;
    this.#read = at;
    this.#link = { at, hash: previous };
  }

  /** The offset just past the bytes fed so far. */
  get readTo(): number {
    return this.#read;
  }

  /** Bytes read from the log, in order. */
  feed(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#pending.push(buffer);
    this.#read += buffer.length;
  }

  /** Bytes `[from, to)` of what was fed and not yet hashed past. */
  slice(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    let at = this.#hashed;
    for (const part of this.#pending) {
      const end = at + part.length;
      if (end > from && at < to) {
        parts.push(part.subarray(Math.max(0, from - at), Math.min(part.length, to - at)));
      }
      at = end;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  #advance(to: number): void {
    if (to < this.#hashed || to > this.#read) {
      throw new RangeError(`cannot hash to ${to}: bytes ${this.#hashed}–${this.#read} are held`);
    }
    while (this.#hashed < to) {
      const part = this.#pending[0] as Buffer;
      const take = Math.min(part.length, to - this.#hashed);
      this.#hash.update(take === part.length ? part : part.subarray(0, take));
      this.#hashed += take;
      if (take === part.length) this.#pending.shift();
      else this.#pending[0] = part.subarray(take);
    }
  }

  /** The hash of bytes `[0, to)`, and the chain goes on from there. */
  mark(to: number): string {
    if (to === this.#link.at) return this.#link.hash;
    this.#advance(to);
    const digest = this.#hash.digest('hex');
    this.#hash = createHash('sha256').update(digest);
    this.#link = { at: to, hash: digest };
    return digest;
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

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Reads a file of the cache, without following a link; undefined if it cannot. */
async function readText(access: CacheAccess, name: string): Promise<string | undefined> {
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
    if (!(await handle.stat()).isFile()) return undefined;
    return await handle.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** JSON text as a value, or undefined (with a note) when it is not JSON. */
function parseJson(access: CacheAccess, name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
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
  try {
    const stat = await access.fs.lstat(access.dir);
    if (stat.isDirectory()) return true;
    access.note(`${access.dir} is not a folder (a link or a file): the checkpoint cache is off`);
    return false;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return true;
    access.note(`cannot use ${access.dir}: ${errnoOf(error) ?? 'error'}; no checkpoint cache`);
    return false;
  }
}

let shape: string | undefined;

/** The {@link CacheIndex.shape} of this build of truce. */
export function replayShape(): string {
  shape ??= sha256(Buffer.from(JSON.stringify(new Replayer().snapshot())));
  return shape;
}

/** The index, or undefined when missing or not a valid index of this version. */
export async function readCacheIndex(access: CacheAccess): Promise<CacheIndex | undefined> {
  const value = parseJson(access, 'index.json', await readText(access, 'index.json'));
  if (value === undefined) return undefined;
  const parsed = indexSchema.safeParse(value);
  // Summed as written (JSON.parse keeps the order of keys), not as the schema rebuilt it.
  if (
    !parsed.success ||
    checksumOf(value as CacheIndex) !== parsed.data.checksum ||
    parsed.data.shape !== replayShape()
  ) {
    access.note('the checkpoint cache index is of another version or damaged; it is rebuilt');
    return undefined;
  }
  return parsed.data;
}

/** A checkpoint file, or undefined unless it is valid and the very one the index lists. */
export async function readCacheCheckpoint(
  access: CacheAccess,
  mark: CacheIndex['checkpoints'][number],
): Promise<(CacheCheckpoint & { fileSize: number }) | undefined> {
  const text = await readText(access, mark.file);
  if (text === undefined) return undefined;
  const value =
    sha256(Buffer.from(text)) === mark.fileHash ? parseJson(access, mark.file, text) : undefined;
  const parsed = checkpointSchema.safeParse(value);
  if (
    !parsed.success ||
    parsed.data.seq !== mark.seq ||
    parsed.data.bytes !== mark.bytes ||
    parsed.data.hash !== mark.hash
  ) {
    access.note(`checkpoint ${mark.file} does not match the index; it is not used`);
    return undefined;
  }
  return { ...parsed.data, fileSize: text.length };
}

/** The file name of a checkpoint: its seq and hash, so two logs never share one. */
export function checkpointFileName(seq: number, hash: string): string {
  return `${seq}-${hash.slice(0, 16)}.json`;
}

/**
 * Writes a file of the cache atomically: a new temp file (never through a link), renamed over
 * the name (a link there is replaced, not followed). Returns whether it was written.
 */
async function writeAtomic(access: CacheAccess, name: string, text: string): Promise<boolean> {
  const temp = join(access.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await access.fs.mkdir(access.dir, { recursive: true });
    if (!(await cacheUsable(access))) return false;
    await access.fs.writeFile(temp, text, { flag: 'wx' });
    await access.fs.rename(temp, join(access.dir, name));
    return true;
  } catch (error) {
    access.note(`cannot write the checkpoint cache in ${access.dir}: ${errnoOf(error) ?? error}`);
    await access.fs.unlink(temp).catch(() => undefined);
    return false;
  }
}

/** Writes one checkpoint file; returns its name and hash, or undefined when it could not. */
export async function writeCacheCheckpoint(
  access: CacheAccess,
  checkpoint: {
    seq: number;
    bytes: number;
    hash: string;
    ids: string[];
    replay: ReplaySnapshot;
  },
): Promise<{ file: string; fileHash: string; size: number } | undefined> {
  const file = checkpointFileName(checkpoint.seq, checkpoint.hash);
  const text = JSON.stringify({ format: 'truce-checkpoint', version: 1, ...checkpoint });
  if (!(await writeAtomic(access, file, text))) return undefined;
  const bytes = Buffer.from(text);
  return { file, fileHash: sha256(bytes), size: bytes.length };
}

/** Writes the index; then removes checkpoint files it no longer lists when `sweep` is set. */
export async function writeCacheIndex(
  access: CacheAccess,
  body: Omit<CacheIndex, 'checksum'>,
  sweep = false,
): Promise<boolean> {
  const index: CacheIndex = { ...body, checksum: checksumOf(body) };
  const written = await writeAtomic(access, 'index.json', JSON.stringify(index));
  if (written && sweep) {
    const keep = new Set(index.checkpoints.map((c) => c.file));
    const names = await access.fs.readdir(access.dir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => fileName.test(name) && !keep.has(name))
        .map((name) => access.fs.unlink(join(access.dir, name)).catch(() => undefined)),
    );
  }
  return written;
}

/** What of an index still holds for the log as it is now. */
export interface VerifiedIndex {
  /** The checkpoints still true of the log, in order. */
  checkpoints: CacheIndex['checkpoints'];
  /** The end, when it still holds too. */
  end: CacheIndex['end'] | undefined;
  /** Whether everything the index lists holds. */
  whole: boolean;
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
): Promise<VerifiedIndex> {
  const marks = [...index.checkpoints, index.end];
  // Unchanged since proven: the end's last line is read back (and the checkpoint a replay
  // resumes from has its own checked before use, `lastLineHolds`).
  if (
    sameFingerprint(index.log, now) &&
    index.end.bytes <= size &&
    (await lastLineHolds(handle, index.end as LineMark, size))
  ) {
    return { checkpoints: index.checkpoints, end: index.end, whole: true };
  }
  const checkpoints: CacheIndex['checkpoints'] = [];
  let end: CacheIndex['end'] | undefined;
  const limit = Math.min(size, index.end.bytes);
  const hasher = new ChainHasher();
  let next = 0;
  const check = (): boolean => {
    while (next < marks.length && (marks[next] as CacheMark).bytes <= hasher.readTo) {
      const mark = marks[next] as CacheMark;
      const isEnd = next === marks.length - 1;
      const hash = isEnd ? hasher.peek(mark.bytes) : hasher.mark(mark.bytes);
      if (hash !== mark.hash) return false;
      if (isEnd) end = index.end;
      else checkpoints.push(index.checkpoints[next] as CacheIndex['checkpoints'][number]);
      next++;
    }
    return true;
  };
  let ok = true;
  for await (const chunk of chunksOf(handle, 0, limit, (error) => error as Error)) {
    hasher.feed(chunk);
    if (!check()) {
      ok = false;
      break;
    }
  }
  if (ok) check();
  return { checkpoints, end, whole: end !== undefined };
}
