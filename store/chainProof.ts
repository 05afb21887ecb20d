import type { Hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { createHash } from './nodeCrypto.js';
import type { StoreFs } from './storeFs.js';

/**
 * The start of a link of the checkpoint cache's chained hash: the SHA-256 of the previous
 * link's hash (as hex), to be fed the log's bytes since it. The one statement of the chain,
 * shared by the cache's `ChainHasher` and {@link proveChain}; self-contained, since a thread of
 * its own runs its text.
 *
 * @example
 * const hash = startLink(createHash, previous).update(bytes).digest('hex');
 */
export function startLink(create: (algorithm: string) => Hash, previous: string): Hash {
  return create('sha256').update(previous);
}

/** A place in the log where the chained hash is known: a checkpoint (`link`) or the end. */
export interface ProofMark {
  /** The log's bytes before it. */
  bytes: number;
  /** The chained hash of those bytes. */
  hash: string;
  /** Whether the chain goes on from it (a checkpoint), or only ends there (the proven end). */
  link: boolean;
}

/** What {@link proveChain} needs, passed in so that its text runs on a thread of its own. */
export interface ProofTools {
  readSync: StoreFs['readSync'];
  createHash: (algorithm: string) => Hash;
  startLink: typeof startLink;
}

/**
 * How many of `marks` (in order of their bytes) the file open as `fd` still holds: the log is
 * hashed from its start through each mark, at most `limit` bytes, and the count stops at the
 * first mark whose hash differs, lies past `limit`, or before the one ahead of it. The log's
 * bytes are read `chunk` at a time into one buffer.
 *
 * Self-contained (no import, no closure: everything comes in `tools`), since
 * {@link proveMarks} runs its text on a thread of its own.
 *
 * @example
 * const held = proveChain(fd, marks, size, 1 << 20, { readSync, createHash, startLink });
 */
export function proveChain(
  fd: number,
  marks: readonly ProofMark[],
  limit: number,
  chunk: number,
  tools: ProofTools,
): number {
  const buffer = new Uint8Array(chunk);
  let link = { at: 0, hash: '' };
  let hash = tools.startLink(tools.createHash, link.hash);
  let at = 0;
  for (let held = 0; held < marks.length; held++) {
    const mark = marks[held] as ProofMark;
    if (mark.bytes > limit || mark.bytes < at) return held;
    while (at < mark.bytes) {
      const read = tools.readSync(fd, buffer, 0, Math.min(chunk, mark.bytes - at), at);
      if (read <= 0) return held;
      hash.update(buffer.subarray(0, read));
      at += read;
    }
    // A mark where the last link is (an end at the last checkpoint) has that link's hash.
    const digest = mark.bytes === link.at ? link.hash : hash.digest('hex');
    if (digest !== mark.hash) return held;
    if (!mark.link) return held + 1;
    if (mark.bytes !== link.at) {
      link = { at: mark.bytes, hash: digest };
      hash = tools.startLink(tools.createHash, digest);
    }
  }
  return marks.length;
}

/**
 * Bytes of the log from which {@link proveMarks} hashes them on a thread of its own, so that the
 * state a query resumes from is read at the same time: 16 MiB (about 20 ms of hashing), under
 * which a thread's start (about 30 ms and 12 MB of its own) would cost more than it saves.
 */
export const PROOF_THREAD_BYTES = 16 * 1024 * 1024;

/**
 * Bytes read at a time when the log's prefix is hashed again (after an append, or any change):
 * 1 MiB, not the replay's 64 KiB, since nothing but the hash works on them between reads.
 */
const PROOF_CHUNK = 1024 * 1024;

const requireBuiltin = createRequire(import.meta.url);

/**
 * The text a proving thread runs: {@link proveChain} with Node's own tools. Any failure of the
 * thread (it cannot start, a read fails) is posted back, and the proof is then made here.
 */
function threadSource(): string {
  return `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const startLink = ${String(startLink)};
const proveChain = ${String(proveChain)};
try {
  const { fd, marks, limit, chunk } = workerData;
  parentPort.postMessage({ held: proveChain(fd, marks, limit, chunk, { readSync, createHash, startLink }) });
} catch (error) {
  parentPort.postMessage({ error: String(error) });
}`;
}

/** How {@link proveMarks} goes about it (tests choose; truce leaves it to the log's size). */
export interface ProveOptions {
  /** Hash on a thread of its own: always, never, or from {@link PROOF_THREAD_BYTES} (default). */
  thread?: 'always' | 'never' | 'auto';
  /** Bytes read at a time ({@link PROOF_CHUNK}; tests use fewer). */
  chunk?: number;
  /** Called with why the thread was not used, when it failed (`--debug` prints it). */
  note?: (message: string) => void;
}

/**
 * {@link proveChain} of the log open as `fd`, on a thread of its own when the bytes to hash are
 * many: the caller may read and parse a checkpoint's state meanwhile (the proof decides whether
 * it is used). A thread that fails in any way leaves the proof to this thread, which then
 * meets the same read errors as the proof always did. `fd` must stay open until this settles.
 *
 * @example
 * const held = await proveMarks(handle.fd, marks, size);
 */
export async function proveMarks(
  fd: number,
  marks: readonly ProofMark[],
  limit: number,
  options: ProveOptions = {},
): Promise<number> {
  const chunk = options.chunk ?? PROOF_CHUNK;
  const thread = options.thread ?? 'auto';
  const bytes = Math.min(limit, marks.at(-1)?.bytes ?? 0);
  if (thread === 'always' || (thread === 'auto' && bytes >= PROOF_THREAD_BYTES)) {
    const held = await proveOnThread(fd, marks, limit, chunk).catch((error: unknown) => {
      options.note?.(`the log's prefix is hashed on the main thread: ${String(error)}`);
      return undefined;
    });
    if (held !== undefined) return held;
  }
  const { readSync } = requireBuiltin('node:fs') as typeof import('node:fs');
  return proveChain(fd, marks, limit, chunk, { readSync, createHash, startLink });
}

function proveOnThread(
  fd: number,
  marks: readonly ProofMark[],
  limit: number,
  chunk: number,
): Promise<number> {
  const { Worker } = requireBuiltin('node:worker_threads') as typeof import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(threadSource(), {
      eval: true,
      workerData: { fd, marks, limit, chunk },
      // The thread needs no more than the log's chunk and the hash: a small heap of its own.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    });
    let answered = false;
    worker.once('message', (message: { held?: number; error?: string }) => {
      answered = true;
      if (typeof message.held === 'number') resolve(message.held);
      else reject(new Error(message.error ?? 'no answer'));
    });
    worker.once('error', (error) => {
      answered = true;
      reject(error);
    });
    // A thread that ends without a word (killed, out of memory) answers nothing.
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the proving thread stopped (${code})`));
    });
  });
}
