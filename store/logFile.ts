import type { FileHandle } from 'node:fs/promises';
import { createHash } from './nodeCrypto.js';
import type { StoreFs } from './storeFs.js';

/** Bytes read per call when the store reads its log. */
export const CHUNK = 64 * 1024;

/**
 * Byte-level helpers the file store reads and writes its log with: ranges, hashes, the last
 * whole line, whole writes, and fsync of a folder. Nothing here knows what an event is.
 */

/** The SHA-256 of some bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads bytes `[from, to)` of an open file, failing on a short read. */
export async function readRange(handle: FileHandle, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, from + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === buffer.length ? buffer : buffer.subarray(0, done);
}

/** The SHA-256 of bytes `[from, to)` of an open file; empty for an empty range. */
export async function hashRange(handle: FileHandle, from: number, to: number): Promise<string> {
  if (to <= from) return '';
  return sha256(await readRange(handle, from, to));
}

/** Options of {@link chunksOf}. */
export interface ChunksOptions {
  /**
   * Read the next chunk while the caller works through this one, into the buffer of the chunk
   * before it (two buffers take turns): a chunk's bytes are overwritten as soon as the next one
   * is asked for, so only for a caller that copies what it keeps (false by default). A replay
   * of a million-event log so neither waits for each of its 2,800 reads nor leaves their
   * 185 MB of buffers to the collector.
   */
  readAhead?: boolean;
  /**
   * Bytes a read-ahead chunk holds ({@link CHUNK} by default). A caller that does little with
   * each chunk may ask for more: each read is a round trip through libuv's thread pool, and
   * 2,800 of them for a 185 MB log kept a hash of it waiting.
   */
  chunkSize?: number;
}

/**
 * Reads bytes `[from, to)` of an open file as chunks; a read error goes through `wrap` (so the
 * caller words it with the log's name).
 */
export function chunksOf(
  handle: FileHandle,
  from: number,
  to: number,
  wrap: (error: unknown) => Error,
  options: ChunksOptions = {},
): AsyncGenerator<Uint8Array> {
  const read = async (buffer: Buffer, position: number) =>
    (await handle.read(buffer, 0, buffer.length, position)).bytesRead;
  return options.readAhead === true
    ? chunksAhead(read, from, to, wrap, options.chunkSize ?? CHUNK)
    : chunksBy(read, from, to, wrap);
}

/** The chunk loop of {@link chunksOf} and {@link chunksOfFd}, given how one chunk is read. */
async function* chunksBy(
  read: (buffer: Buffer, position: number) => number | Promise<number>,
  from: number,
  to: number,
  wrap: (error: unknown) => Error,
): AsyncGenerator<Uint8Array> {
  let position = from;
  while (position < to) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, to - position));
    let bytesRead: number;
    try {
      bytesRead = await read(buffer, position);
    } catch (error) {
      throw wrap(error);
    }
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * {@link chunksBy} one read ahead, in two buffers taking turns ({@link ChunksOptions.readAhead}).
 * Reads go one at a time and in order; a failed read is thrown when its chunk is reached, and
 * the generator never returns with a read still in flight (its buffer is the caller's).
 */
async function* chunksAhead(
  read: (buffer: Buffer, position: number) => Promise<number>,
  from: number,
  to: number,
  wrap: (error: unknown) => Error,
  size: number,
): AsyncGenerator<Uint8Array> {
  const first = Math.max(0, Math.min(size, to - from));
  const buffers = [Buffer.allocUnsafe(first), Buffer.allocUnsafe(first)];
  let turn = 0;
  let position = from;
  const next = (): Promise<Buffer | Error> => {
    turn ^= 1;
    const buffer = (buffers[turn] as Buffer).subarray(0, Math.min(size, to - position));
    const at = position;
    return read(buffer, at).then(
      (bytesRead) => buffer.subarray(0, bytesRead),
      (error: unknown) => wrap(error),
    );
  };
  let ahead = position < to ? next() : undefined;
  try {
    while (ahead !== undefined) {
      const chunk = await ahead;
      ahead = undefined;
      if (chunk instanceof Error) throw chunk;
      if (chunk.length === 0) return;
      position += chunk.length;
      if (position < to) ahead = next();
      yield chunk;
    }
  } finally {
    if (ahead !== undefined) await ahead;
  }
}

/** The last line ending in `\n` before `limit`, read backwards in chunks. */
export async function lastWholeLine(
  handle: FileHandle,
  limit: number,
): Promise<{ text: string } | undefined> {
  let end = -1;
  const parts: Buffer[] = [];
  let position = limit;
  while (position > 0) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const buffer = await readRange(handle, position, position + length);
    let scan = buffer.length - 1;
    if (end === -1) {
      const nl = buffer.lastIndexOf(10, scan);
      if (nl === -1) continue;
      end = position + nl;
      scan = nl - 1;
      parts.unshift(buffer.subarray(0, nl));
    } else {
      parts.unshift(buffer);
    }
    const start = scan >= 0 ? buffer.lastIndexOf(10, scan) : -1;
    if (start !== -1) {
      parts[0] = (parts[0] as Buffer).subarray(start + 1);
      return { text: Buffer.concat(parts).toString('utf8') };
    }
  }
  return end === -1 ? undefined : { text: Buffer.concat(parts).toString('utf8') };
}

/** The last line of a text of whole lines, with its `\n`. */
export function lastLineOf(text: string): string {
  const end = text.lastIndexOf('\n', text.length - 2);
  return text.slice(end + 1);
}

/** Writes all of `bytes`, at `position` or (null) at the file's end in append mode. */
export async function writeAll(
  handle: FileHandle,
  bytes: Uint8Array,
  position: number | null,
): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(
      bytes,
      done,
      bytes.length - done,
      position === null ? null : position + done,
    );
    if (bytesWritten === 0) throw Object.assign(new Error('wrote 0 bytes'), { code: 'EIO' });
    done += bytesWritten;
  }
}

/** Reads bytes `[from, to)` of an open file descriptor at once; shorter at the file's end. */
export function readRangeSync(fs: StoreFs, fd: number, from: number, to: number): Buffer {
  const buffer = Buffer.allocUnsafe(Math.max(0, to - from));
  let done = 0;
  while (done < buffer.length) {
    const bytesRead = fs.readSync(fd, buffer, done, buffer.length - done, from + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/** {@link chunksOf} on a file descriptor: each chunk read at once, yielded one at a time. */
export function chunksOfFd(
  fs: StoreFs,
  fd: number,
  from: number,
  to: number,
  wrap: (error: unknown) => Error,
): AsyncGenerator<Uint8Array> {
  return chunksBy(
    (buffer, position) => fs.readSync(fd, buffer, 0, buffer.length, position),
    from,
    to,
    wrap,
  );
}

/** {@link writeAll} on a file descriptor, at once. */
export function writeAllSync(
  fs: StoreFs,
  fd: number,
  bytes: Uint8Array,
  position: number | null,
): void {
  let done = 0;
  while (done < bytes.length) {
    const written = fs.writeSync(
      fd,
      bytes,
      done,
      bytes.length - done,
      position === null ? null : position + done,
    );
    if (written === 0) throw Object.assign(new Error('wrote 0 bytes'), { code: 'EIO' });
    done += written;
  }
}

/** fsyncs a folder, so a file created or renamed in it survives a power cut. */
export async function syncDir(fs: StoreFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
