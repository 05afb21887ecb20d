import { z } from 'zod';
import type { DealProjection } from '../projections/index.js';
import { REPLAY_SNAPSHOT_VERSION, Replayer, type ReplaySnapshot } from '../replay/index.js';
import type { Checkpoint } from './checkpoint.js';
import { randomBytes } from './nodeCrypto.js';
import type { StoreFs } from './storeFs.js';

/** The snapshot sidecar (`LOG.snapshot.json`): the replay state at a byte offset of the log. */
export interface StoreSnapshot {
  format: 'truce-store-snapshot';
  version: 1;
  /** Bytes of the log it covers, ending with a whole line. */
  bytes: number;
  seq: number;
  /** The log file's inode when written: a log replaced by an editor is not trusted. */
  ino: number;
  /** Where the last covered line starts, and the SHA-256 of that line (with its `\n`). */
  lastLineStart: number;
  lastLineHash: string;
  /** Every id in the covered part, in seq order. */
  ids: string[];
  replay: ReplaySnapshot;
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

/**
 * What a sidecar must look like to be used: the store's own fields exactly, and the replay
 * state's envelope (its projection and machine are the replayer's to read). The sidecar is a
 * cache: anything else, or a file that does not parse, is ignored and rebuilt.
 */
export const storeSnapshotSchema = z
  .object({
    format: z.literal('truce-store-snapshot'),
    version: z.literal(1),
    bytes: count,
    seq: count,
    ino: count,
    lastLineStart: count,
    lastLineHash: z.string().regex(/^[0-9a-f]{64}$/),
    // Checked by hand: zod's array of a log's every id was the costliest part of a CLI append.
    ids: z.custom<string[]>(isStringArray, 'expected every id as a string'),
    replay: replaySnapshotSchema,
  })
  .refine((s) => s.ids.length === s.seq && s.replay.seq === s.seq && s.lastLineStart < s.bytes, {
    message: 'the snapshot does not agree with itself',
  });

/** The sidecar's path beside a log. */
export function snapshotPathOf(log: string): string {
  return `${log}.snapshot.json`;
}

/**
 * Reads a sidecar back as a checkpoint, or undefined when it is missing, unreadable, not a
 * valid snapshot, or not restorable. It still has to be verified against the log before use.
 *
 * @example
 * const checkpoint = await loadSnapshot('deal.jsonl.snapshot.json', 'deal.jsonl', fs);
 */
export async function loadSnapshot(
  path: string,
  file: string,
  fs: StoreFs,
): Promise<Checkpoint | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(path, 'utf8'));
  } catch {
    return;
  }
  const parsed = storeSnapshotSchema.safeParse(value);
  if (!parsed.success) return;
  const snapshot = parsed.data;
  try {
    const ids = new Map<string, number>();
    snapshot.ids.forEach((id, i) => {
      ids.set(id, i + 1);
    });
    if (ids.size !== snapshot.ids.length) return;
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
  const snapshot: StoreSnapshot = {
    format: 'truce-store-snapshot',
    version: 1,
    bytes: checkpoint.bytes,
    seq: checkpoint.state.head,
    ino: checkpoint.ino,
    lastLineStart: checkpoint.lastLineStart,
    lastLineHash: checkpoint.lastLineHash,
    ids: [...checkpoint.state.ids.keys()],
    replay: checkpoint.state.replayer.snapshot(),
  };
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, JSON.stringify(snapshot));
    await fs.rename(temp, path);
    return true;
  } catch {
    await fs.unlink(temp).catch(() => undefined);
    return false;
  }
}
