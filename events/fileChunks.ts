import { open } from 'node:fs/promises';
import { StoreError } from './errors.js';
import { ioReason } from './ioReason.js';

/** Options of {@link fileChunks}. */
export interface FileChunksOptions {
  /** Bytes read per call; each chunk is a fresh buffer of at most this size. */
  chunkSize: number;
  /** The file's name in error messages; the path by default. */
  name?: string;
  /** Stop at this byte offset (e.g. where a writer holding the log's lock began); the end by default. */
  end?: number;
}

/**
 * Reads a file as a stream of byte chunks, turning every failure (missing file, a directory,
 * no permission) into a {@link StoreError} with a plain sentence. The one place the log reader
 * touches the file system, kept apart so the rest of `events/` stays pure.
 *
 * @example
 * for await (const chunk of fileChunks('log.jsonl', { chunkSize: 65536 })) total += chunk.length;
 */
export async function* fileChunks(
  path: string,
  options: FileChunksOptions,
): AsyncGenerator<Uint8Array> {
  const name = options.name ?? path;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ioError(name, error);
  }
  try {
    let left = options.end ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      const buffer = Buffer.allocUnsafe(Math.min(options.chunkSize, left));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (error) {
        throw ioError(name, error);
      }
      if (bytesRead === 0) return;
      left -= bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Turns a Node.js file-system error into a {@link StoreError} a user can act on. */
export function ioError(name: string, error: unknown): StoreError {
  return new StoreError(`cannot read ${name}: ${ioReason(error)}`, { cause: error });
}
