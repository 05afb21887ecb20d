import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeOut, writePieces } from '../../cli/output.js';

// Issue 12, item 2 (streaming everywhere): Node queues in memory what a pipe does not take at
// once, so a report written without waiting was held whole while a slower reader (`| jq`) read
// it: `replay --json` of a million events peaked at 275–295 MB through a pipe, 178–199 MB to a
// file.

/** A stream that takes one piece every three turns of the event loop: a reader slower than us. */
function slowReader(highWaterMark: number): { sink: Writable; got: () => string } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setImmediate(() => setImmediate(() => setImmediate(callback)));
    },
  });
  return { sink, got: () => Buffer.concat(chunks).toString('utf8') };
}

/** `count` pieces of `size` characters, noting what the stream held queued as each is made. */
function* pieces(count: number, size: number, sink: Writable, queued: number[]) {
  for (let i = 0; i < count; i++) {
    queued.push(sink.writableLength);
    yield String(i % 10).repeat(size);
  }
}

describe('writing a long output to a slow reader', () => {
  it('given 200 pieces of 4 KB and a reader that takes one every three turns, then no more than the stream buffer and one piece is ever queued, and all arrive in order', async () => {
    const { sink, got } = slowReader(16 * 1024);
    const queued: number[] = [];
    expect(await writePieces(sink, pieces(200, 4096, sink, queued))).toBe(true);
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(Math.max(...queued)).toBeLessThanOrEqual(16 * 1024 + 4096);
    const expected = Array.from({ length: 200 }, (_, i) => String(i % 10).repeat(4096)).join('');
    expect(got()).toBe(expected);
  });

  it('given thousands of waits on one stream, then it keeps no listener of its own (Node warned of a leak past ten)', async () => {
    const { sink } = slowReader(1024);
    const before = ['drain', 'close', 'error'].map((e) => sink.listenerCount(e));
    expect(await writePieces(sink, pieces(2_000, 2048, sink, []))).toBe(true);
    expect(['drain', 'close', 'error'].map((e) => sink.listenerCount(e))).toEqual(before);
  });

  it('given a reader that goes away, then writing stops there: no later piece is made', async () => {
    const { sink } = slowReader(1024);
    let made = 0;
    function* counted() {
      for (let i = 0; i < 100; i++) {
        made++;
        if (i === 5) sink.destroy();
        yield 'x'.repeat(4096);
      }
    }
    sink.on('error', () => undefined);
    expect(await writePieces(sink, counted())).toBe(false);
    expect(made).toBe(6);
    expect(await writeOut(sink, 'more')).toBe(false);
  });
});
