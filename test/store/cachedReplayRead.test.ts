import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGenerated } from '../cli/truce.js';

// Issue 12, item 2: a first replay through the checkpoint cache lets the reader's state go
// before it writes the cache's end, and says when (`onRead`), so a command line can collect it.
// Run in a process of its own with `--expose-gc`, to see what a full collection leaves.

const dir = mkdtempSync(join(tmpdir(), 'truce-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dist = join(import.meta.dirname, '..', '..', 'dist');

/** Past 100,000 ids the index keeps fingerprints in typed arrays: 4 MB for 150,000. */
const EVENTS = 150_000;

describe('onRead of a replay through the cache', () => {
  it('is told once, after the last event and before the index of the cache is written; by then the ids are let go', () => {
    const log = join(dir, 'deal.jsonl');
    writeGenerated(log, EVENTS, 5);
    const script = `
      import { existsSync } from 'node:fs';
      import { cachePathOf, replayLogCached } from ${JSON.stringify(`${dist}/store/index.js`)};
      const log = ${JSON.stringify(log)};
      const seen = { reads: 0, progressAfter: 0, lastSeq: 0, indexWritten: undefined, held: 0 };
      const outcome = await replayLogCached(log, {
        onProgress: (seq) => {
          seen.lastSeq = seq;
          if (seen.reads > 0) seen.progressAfter++;
        },
        onRead: () => {
          seen.reads++;
          seen.indexWritten = existsSync(cachePathOf(log) + '/index.json');
          globalThis.gc();
        },
      });
      // What that collection freed is given back by a thread of V8's; nothing collects after it
      // here, so an index still held then is still counted.
      for (let i = 0; i < 200 && process.memoryUsage().arrayBuffers >= 4 * 1024 * 1024; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      seen.held = process.memoryUsage().arrayBuffers;
      process.stdout.write(JSON.stringify({ ...seen, seq: outcome.report.seq }));`;
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout);
    expect(seen).toMatchObject({
      reads: 1,
      progressAfter: 0,
      lastSeq: EVENTS,
      seq: EVENTS,
      indexWritten: false,
    });
    // The read buffers, the hasher's and the ids file's blocks (about 2 MB): less than the index
    // of 150,000 ids alone (2^19 slots of 8 bytes).
    expect(seen.held).toBeLessThan(4 * 1024 * 1024);
  }, 120_000);
});
