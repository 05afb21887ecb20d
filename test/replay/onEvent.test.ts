import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReplayLogOptions, replayLog } from '../../replay/index.js';
import { replayLogCached } from '../../store/index.js';

// Issue 12, item 2: an output written as the replay goes (`truce timeline`) holds the replay
// back while its reader is behind, by returning a promise from `onEvent`.

const example = join(import.meta.dirname, '..', '..', 'examples', 'november-2023.jsonl');
let dir: string;
let log: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-on-event-'));
  log = join(dir, 'deal.jsonl');
  cpSync(example, log);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Replay = (path: string, options: ReplayLogOptions) => Promise<{ events: number }>;

describe.each([
  ['replayLog', replayLog as Replay],
  [
    'replayLogCached, writing its cache',
    ((path, options) =>
      replayLogCached(path, { ...options, cacheMinBytes: 0, checkpointEvery: 3 })) as Replay,
  ],
])('%s', (_name, replay) => {
  it('given an onEvent that returns a promise, then the next event waits until it settles', async () => {
    const seen: string[] = [];
    let pending = 0;
    const { events } = await replay(log, {
      onEvent: ({ event }) => {
        seen.push(`event ${event.seq}${pending > 0 ? ' while one is pending' : ''}`);
        if (event.seq % 2 === 1) return undefined;
        pending++;
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            pending--;
            resolve();
          }, 2),
        );
      },
    });
    expect(events).toBeGreaterThan(10);
    expect(seen).toEqual(Array.from({ length: events }, (_, i) => `event ${i + 1}`));
  });

  it('given an onEvent whose promise rejects, then the replay fails with its error', async () => {
    const failure = new Error('the reader went away');
    await expect(
      replay(log, {
        onEvent: ({ event }) => (event.seq === 4 ? Promise.reject(failure) : undefined),
      }),
    ).rejects.toBe(failure);
  });
});
