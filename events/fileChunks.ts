import { close, constants, fstat, lstat, open, read, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { StoreError } from './errors.js';
import { ioReason } from './ioReason.js';

/** Options of {@link fileChunks}. */
export interface FileChunksOptions {
  /** Bytes read per call; each chunk is a fresh buffer of at most this size. */
  chunkSize: number;
  /**
   * Two buffers take turns instead of a fresh one per chunk (false by default). The next chunk
   * is read ahead into the other buffer, so a chunk's bytes are overwritten as soon as the chunk
   * after it is asked for: only for a caller that copies what must outlive that, as splitting
   * into lines does with a line's start.
   */
  reuseBuffers?: boolean;
  /** The file's name in error messages; the path by default. */
  name?: string;
  /**
   * Stop at this byte offset (e.g. where a writer holding the log's lock began); the end by
   * default. Only for a regular file: a pipe is read to its end.
   */
  end?: number;
  /** Start at this byte offset (0 by default). Only for a regular file: a pipe is refused. */
  start?: number;
}

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const readFd = promisify(read);
const closeFd = promisify(close);
const lstatPath = promisify(lstat);
const { O_RDONLY, O_NONBLOCK } = constants;
// node:net (about 1.5 ms to load) only for a pipe: a log file is read without it.
const requireBuiltin = createRequire(import.meta.url);

/**
 * Reads a file as a stream of byte chunks, turning every failure (missing file, a directory,
 * no permission) into a {@link StoreError} with a plain sentence. The one place the log reader
 * touches the file system, kept apart so the rest of `events/` stays pure.
 *
 * - A regular file is read up to `end` (or its end).
 * - `-` is stdin; stdin, `/dev/stdin` and `/dev/fd/N` that are pipes (`<(…)`) are read to their
 *   end, whatever size the pipe reports.
 * - A named pipe (FIFO) given by its own name, a device or a terminal is refused in one sentence:
 *   it could hang, or never end. Nothing opens in a way that blocks.
 *
 * @example
 * for await (const chunk of fileChunks('log.jsonl', { chunkSize: 65536 })) total += chunk.length;
 */
export async function* fileChunks(
  path: string,
  options: FileChunksOptions,
): AsyncGenerator<Uint8Array> {
  const name = options.name ?? path;
  const source = path === '-' ? '/dev/stdin' : path;
  let fd: number;
  let stat: Stats;
  try {
    fd = path === '-' ? 0 : await openSource(source, name);
  } catch (error) {
    throw ioError(name, error);
  }
  try {
    stat = await fstatFd(fd);
  } catch (error) {
    await closeFd(fd).catch(() => undefined);
    throw ioError(name, error);
  }
  if (stat.isFIFO() || stat.isSocket()) {
    if ((options.start ?? 0) > 0) {
      await closeFd(fd).catch(() => undefined);
      throw new StoreError(
        `cannot read ${name} from byte ${options.start}: it is a pipe, which is read from its start only`,
      );
    }
    yield* pipeChunks(fd, name);
    return;
  }
  // One read ahead: the next chunk is read (in libuv's thread pool) while the caller works
  // through this one, so a replay does not sit idle at every chunk waiting for its read. Reads
  // still go one at a time and in order; a failed read is thrown when its chunk is reached.
  let ahead: Promise<Buffer | StoreError> | undefined;
  try {
    if (stat.isCharacterDevice() || stat.isBlockDevice()) {
      throw notAFile(
        name,
        path === '-' || source === '/dev/stdin' ? 'a terminal or device' : 'a device',
      );
    }
    let position = options.start ?? 0;
    let left = (options.end ?? Number.POSITIVE_INFINITY) - position;
    // With `reuseBuffers`, two buffers take turns (the one read into and the one the caller
    // holds), instead of a new one per chunk: a million-event log is 2,800 chunks the collector
    // need not free. Asking for a chunk starts the read into the previous one's buffer.
    const buffers = [Buffer.allocUnsafe(0), Buffer.allocUnsafe(0)];
    let turn = 0;
    const readNext = (): Promise<Buffer | StoreError> => {
      const size = Math.min(options.chunkSize, left);
      turn ^= 1;
      if (options.reuseBuffers !== true || (buffers[turn] as Buffer).length < size) {
        buffers[turn] = Buffer.allocUnsafe(size);
      }
      const buffer = (buffers[turn] as Buffer).subarray(0, size);
      // Given a start, at a position (the next read is asked for only once this one is in, so it
      // goes on from what this one got); else from the descriptor's own, as a redirected stdin
      // may stand past its file's first byte.
      const at = position;
      return readFd(fd, buffer, 0, buffer.length, options.start === undefined ? null : at).then(
        ({ bytesRead }) => {
          position = at + bytesRead;
          return bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
        },
        (error: unknown) => ioError(name, error),
      );
    };
    if (left > 0) ahead = readNext();
    while (ahead !== undefined) {
      const chunk = await ahead;
      ahead = undefined;
      if (chunk instanceof StoreError) throw chunk;
      if (chunk.length === 0) return;
      left -= chunk.length;
      if (left > 0) ahead = readNext();
      yield chunk;
    }
  } finally {
    // Never close the descriptor under a read still in flight: its number could be reused.
    if (ahead !== undefined) await ahead;
    await closeFd(fd).catch(() => undefined);
  }
}

/**
 * Opens a path without blocking, refusing a named FIFO. A socket given as `/dev/stdin` or
 * `/dev/fd/N` cannot be opened again (ENXIO): its descriptor is used as it is.
 */
async function openSource(source: string, name: string): Promise<number> {
  if ((await lstatPath(source)).isFIFO()) throw notAFile(name, 'a named pipe (FIFO)');
  try {
    return await openFd(source, O_RDONLY | O_NONBLOCK);
  } catch (error) {
    const inherited = /^\/(?:dev\/stdin|(?:dev|proc\/self)\/fd\/(\d+))$/.exec(source);
    if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || !inherited) throw error;
    return inherited[1] === undefined ? 0 : Number(inherited[1]);
  }
}

/** A pipe read to its end through the event loop (never a blocked thread); closes the fd. */
async function* pipeChunks(fd: number, name: string): AsyncGenerator<Uint8Array> {
  const { Socket } = requireBuiltin('node:net') as typeof import('node:net');
  const socket = new Socket({ fd, readable: true, writable: false });
  try {
    for await (const chunk of socket) yield chunk as Buffer;
  } catch (error) {
    throw ioError(name, error);
  } finally {
    socket.destroy();
  }
}

function notAFile(name: string, what: string): StoreError {
  return new StoreError(
    `cannot read ${name}: it is ${what}, not a log file (give a file, or pipe the log into - for stdin)`,
  );
}

/** Turns a Node.js file-system error into a {@link StoreError} a user can act on. */
export function ioError(name: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(`cannot read ${name}: ${ioReason(error)}`, { cause: error });
}
