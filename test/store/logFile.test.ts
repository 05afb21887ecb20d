import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK, chunksOf } from '../../store/logFile.js';
import { numRuns, seed } from '../properties/settings.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-logfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes of a file of `size` bytes, each a function of its offset. */
function bytesOf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 9)) & 0xff;
  return bytes;
}

describe('chunksOf', () => {
  it('reading ahead gives the bytes [from, to) in order, in chunks of the size asked (64 KiB by default), in two buffers taking turns (property)', async () => {
    const path = join(dir, 'log');
    const file = bytesOf(3 * CHUNK + 123);
    writeFileSync(path, file);
    const handle = await open(path, 'r');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: file.length + 10 }),
          fc.nat({ max: file.length + 10 }),
          fc.constantFrom(undefined, 4093, CHUNK, 2 * CHUNK + 7, 8 * CHUNK),
          async (a, b, chunkSize) => {
            const [from, to] = a <= b ? [a, b] : [b, a];
            const got: Buffer[] = [];
            const buffers = new Set<ArrayBufferLike>();
            const read = chunksOf(handle, from, to, (e) => e as Error, {
              readAhead: true,
              ...(chunkSize === undefined ? {} : { chunkSize }),
            });
            const size = chunkSize ?? CHUNK;
            for await (const chunk of read) {
              // Every chunk but the last is whole (a regular file gives each read in full).
              if (got.length > 0) expect(got.at(-1)?.length).toBe(size);
              // Copied at once: the chunk's buffer is read into again after the next is asked for.
              got.push(Buffer.from(chunk));
              buffers.add(chunk.buffer);
              expect(chunk.length).toBeLessThanOrEqual(size);
            }
            expect(Buffer.concat(got).equals(file.subarray(from, Math.min(to, file.length)))).toBe(
              true,
            );
            expect(buffers.size).toBeLessThanOrEqual(2);
          },
        ),
        { seed, numRuns: Math.min(numRuns, 200) },
      );
    } finally {
      await handle.close();
    }
  });

  it('given a read that fails, then the chunks before it come first, then its error as the caller words it, and no read is left running', async () => {
    const path = join(dir, 'log');
    writeFileSync(path, bytesOf(3 * CHUNK));
    const handle = await open(path, 'r');
    let reads = 0;
    let running = 0;
    let failAt = 3;
    const failing = new Proxy(handle, {
      get(target, key) {
        if (key !== 'read') return Reflect.get(target, key, target);
        return async (buffer: Buffer, offset: number, length: number, position: number) => {
          reads++;
          running++;
          try {
            if (reads === failAt) throw Object.assign(new Error('EIO'), { code: 'EIO' });
            return await target.read(buffer, offset, length, position);
          } finally {
            running--;
          }
        };
      },
    });
    const seen: number[] = [];
    const wrap = (error: unknown) => new Error(`log: ${(error as Error).message}`);
    await expect(
      (async () => {
        for await (const chunk of chunksOf(failing, 0, 3 * CHUNK, wrap, { readAhead: true })) {
          seen.push(chunk.length);
        }
      })(),
    ).rejects.toThrow('log: EIO');
    expect(seen).toEqual([CHUNK, CHUNK]);
    // A caller that stops early leaves no read in flight either (it may close the file).
    failAt = 0;
    for await (const _ of chunksOf(failing, 0, 3 * CHUNK, wrap, { readAhead: true })) break;
    expect(reads).toBe(5);
    expect(running).toBe(0);
    await handle.close();
  });
});
