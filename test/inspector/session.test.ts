import { appendFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LogSession } from '../../inspector/session.js';
import { encodeLockInfo } from '../../store/lockRecord.js';
import { novemberLines, writeLog } from './fixtures.js';

describe('LogSession: following a log as it grows', () => {
  it('a line read while its writer held the lock is shown once the writer lets go, though the log itself no longer changes', async () => {
    const lines = novemberLines();
    const file = writeLog(lines.slice(0, 12));
    const session = new LogSession(file);
    await session.refresh();
    expect(session.view().steps).toHaveLength(12);

    // A writer (this live process) holds the lock, recording the end before its line, and has
    // written the line: a look now must stop before it.
    const end = statSync(file).size;
    const { dev, ino } = statSync(file, { bigint: true });
    writeFileSync(
      `${file}.lock`,
      encodeLockInfo({
        pid: process.pid,
        host: hostname(),
        nonce: 'session-test',
        at: new Date().toISOString(),
        log: { dev: String(dev), ino: String(ino) },
        size: end,
      }),
    );
    appendFileSync(file, lines[12] ?? '');
    await session.poll();
    expect(session.view().steps).toHaveLength(12);

    // The writer lets go; the log's size and time stay as they were.
    rmSync(`${file}.lock`);
    await session.poll();
    expect(session.view().steps.map((s) => s.seq)).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
  });

  it('a line rewritten in place, the size and modification time of the log kept, is read again at the next look', async () => {
    const lines = novemberLines();
    const file = writeLog(lines.slice(0, 12));
    // Whole seconds: the time set back below is then exactly the time seen before.
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const session = new LogSession(file);
    await session.poll();
    expect(session.view().steps.at(-1)?.event.at).toBe('2023-11-26T15:00:00Z');

    const changed = (lines[11] ?? '').replace(
      '"at":"2023-11-26T15:00:00Z"',
      '"at":"2023-11-26T15:00:01Z"',
    );
    expect(changed.length).toBe(lines[11]?.length);
    writeFileSync(file, [...lines.slice(0, 11), changed].join(''));
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).mtimeMs).toBe(1_700_000_000_000);
    await session.poll();
    expect(session.view().steps.at(-1)?.event.at).toBe('2023-11-26T15:00:01Z');
  });
});
