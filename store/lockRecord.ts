import { constants } from 'node:fs';
import { z } from 'zod';
import { errnoOf, type StoreFs } from './storeFs.js';

/** What a lock file says about its holder. */
export interface LockInfo {
  pid: number;
  host: string;
  /** Unique per acquisition, so a recoverer knows the lock it judged stale is still the same. */
  nonce: string;
  /** When it was taken (ISO). */
  at: string;
  /** The locked log's identity (device and inode, as decimal strings), once it is open. */
  log?: { dev: string; ino: string };
  /**
   * The log's size before the holder's current write. While the holder lives, readers stop
   * here; once it is dead nothing trusts it (the bytes past it may be acknowledged events).
   */
  size?: number;
}

/**
 * Every lock record is padded with spaces to this many bytes and rewritten in place whole, so
 * a record that shrinks (a size of fewer digits) leaves no stale tail, without a truncate.
 */
export const LOCK_RECORD_BYTES = 1024;

const lockInfoSchema = z.object({
  pid: z.int().positive(),
  host: z.string(),
  nonce: z.string().min(1).max(128),
  at: z.string(),
  log: z.object({ dev: z.string(), ino: z.string() }).optional(),
  size: z.int().nonnegative().optional(),
});

/** The bytes of a lock record: its JSON padded to {@link LOCK_RECORD_BYTES}. */
export function encodeLockInfo(info: LockInfo): Buffer {
  const json = JSON.stringify(info);
  const length = Math.max(LOCK_RECORD_BYTES, Buffer.byteLength(json));
  const bytes = Buffer.alloc(length, 0x20);
  bytes.write(json, 0, 'utf8');
  return bytes;
}

/** A lock record read back, or undefined when the text is not one truce writes. */
export function decodeLockInfo(text: string): LockInfo | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const parsed = lockInfoSchema.safeParse(value);
  if (!parsed.success) return;
  const { log, size, ...rest } = parsed.data;
  const info: LockInfo = { ...rest };
  if (log !== undefined) info.log = log;
  if (size !== undefined) info.size = size;
  return info;
}

/** What is found at a lock's path. */
export type LockFileState =
  | { kind: 'absent' }
  | { kind: 'lock'; info: LockInfo; mtimeMs: number }
  /** Something else: a symbolic link, a folder, a FIFO, or a file truce did not write. */
  | { kind: 'foreign'; what: string };

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * Reads what lies at a lock's path without following a symbolic link and without blocking on a
 * FIFO. A record that does not parse is read again a few times first: a reader can meet a
 * record being rewritten in place.
 *
 * @example
 * const found = await readLockFile('deal.jsonl.lock', nodeFs);
 * if (found.kind === 'lock') console.log(found.info.pid);
 */
export async function readLockFile(path: string, fs: StoreFs): Promise<LockFileState> {
  for (let attempt = 0; ; attempt++) {
    let handle: Awaited<ReturnType<StoreFs['open']>>;
    try {
      handle = await fs.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT') return { kind: 'absent' };
      if (code === 'ELOOP') return { kind: 'foreign', what: 'a symbolic link' };
      throw error;
    }
    let text: string;
    let mtimeMs: number;
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        return { kind: 'foreign', what: stat.isDirectory() ? 'a folder' : 'not a regular file' };
      }
      if (stat.size > 64 * 1024) return { kind: 'foreign', what: 'a file truce did not write' };
      mtimeMs = stat.mtimeMs;
      const buffer = Buffer.alloc(stat.size);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close().catch(() => undefined);
    }
    const info = decodeLockInfo(text);
    if (info !== undefined) return { kind: 'lock', info, mtimeMs };
    if (attempt >= 3) return { kind: 'foreign', what: 'a file truce did not write' };
    await new Promise((resolve) => setTimeout(resolve, 5 * (attempt + 1)));
  }
}
