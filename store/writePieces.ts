/**
 * Writing a large JSON text to a file in pieces, through one reused buffer, without ever holding
 * the whole text: the checkpoint cache's files and the store's sidecar (a million events' state
 * is 30 MB of JSON, which `JSON.stringify` then a write held twice over).
 */
import { createHash } from './nodeCrypto.js';
import type { StoreFs } from './storeFs.js';

/** Bytes of text gathered before each write: one buffer, reused, so writing makes no garbage. */
const WRITE_BUFFER = 1 << 20;

/**
 * Write buffers free for the next file. A first replay writes a thousand checkpoints: a new
 * buffer of 1 MiB for each, outside V8's heap and freed only once the collector finds it
 * unreachable, left the process holding tens of MB more than it used.
 */
const freeBuffers: Buffer[] = [];

/** Writes pieces in order through one reused buffer, hashing them; their SHA-256 and size. */
export function writeAll(
  fs: StoreFs,
  fd: number,
  content: Content,
): { hash: string; size: number } {
  const buffer = freeBuffers.pop() ?? Buffer.allocUnsafe(WRITE_BUFFER);
  try {
    return writeThrough(fs, fd, content, buffer);
  } finally {
    if (freeBuffers.length < 2) freeBuffers.push(buffer);
  }
}

/** {@link writeAll} through `buffer`. */
function writeThrough(
  fs: StoreFs,
  fd: number,
  content: Content,
  buffer: Buffer,
): { hash: string; size: number } {
  const hash = createHash('sha256');
  let used = 0;
  let size = 0;
  const out = (bytes: Uint8Array) => {
    hash.update(bytes);
    size += bytes.length;
    for (let done = 0; done < bytes.length; ) {
      done += fs.writeSync(fd, bytes, done, bytes.length - done, null);
    }
  };
  content(
    (piece) => {
      if (typeof piece !== 'string') {
        // Bytes taken as they are (from another file of the cache).
        if (piece.length <= WRITE_BUFFER - used) {
          buffer.set(piece, used);
          used += piece.length;
          return;
        }
        if (used > 0) out(buffer.subarray(0, used));
        used = 0;
        out(piece);
        return;
      }
      // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
      if (piece.length * 3 <= WRITE_BUFFER - used) {
        used += buffer.write(piece, used);
        return;
      }
      if (used > 0) out(buffer.subarray(0, used));
      used = 0;
      if (piece.length * 3 <= WRITE_BUFFER) used = buffer.write(piece, 0);
      else out(Buffer.from(piece));
    },
    () => size + used,
  );
  if (used > 0) out(buffer.subarray(0, used));
  return { hash: hash.digest('hex'), size };
}

/**
 * A file's content, handed to `write` in pieces (text, or bytes taken as they are); `position`
 * is the number of bytes written so far.
 */
export type Content = (write: (piece: string | Uint8Array) => void, position: () => number) => void;
