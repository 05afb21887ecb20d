import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { committedSize, FileEventStore, nodeFs, type StoreFs } from '../../store/index.js';
import { encodeLockInfo } from '../../store/lockRecord.js';
import { aid, opened } from './fixtures.js';

// A stat can land inside a write: ext4 grows a file's size a page at a time, so a reader's stat
// while a line crosses a 4 KiB boundary sees part of it (seen for real under a writer appending
// in a loop). A reader must still stop at a line end, never inside the line being written.

let dir: string;
let log: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-committed-'));
  log = join(dir, 'deal.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A log of three acknowledged events, written and let go by the store; its size. */
async function threeEvents(): Promise<number> {
  const store = new FileEventStore(log);
  await store.append([opened()]);
  await store.append([aid('a0')]);
  await store.append([aid('a1')]);
  // The store keeps its lock while it appends in a loop and lets go once idle: wait for that.
  for (let i = 0; i < 10_000 && existsSync(`${log}.lock`); i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(existsSync(`${log}.lock`)).toBe(false);
  return statSync(log).size;
}

/** The file system, but the first stat of the log answers `size`: a stat made mid-write. */
function firstStatSees(size: number): StoreFs {
  let first = true;
  return {
    ...nodeFs,
    stat: (async (path: string) => {
      const stat = await nodeFs.stat(path);
      if (path !== log || !first) return stat;
      first = false;
      return Object.assign(stat, { size });
    }) as StoreFs['stat'],
  };
}

/** A lock on the log held by this (live) process, recording `size` as the acknowledged end. */
function liveLock(size: number): void {
  const { dev, ino } = statSync(log, { bigint: true });
  const info = {
    pid: process.pid,
    host: hostname(),
    nonce: 'reader-test',
    at: new Date().toISOString(),
  };
  writeFileSync(
    `${log}.lock`,
    encodeLockInfo({ ...info, log: { dev: String(dev), ino: String(ino) }, size }),
  );
}

function endsALine(limit: number): boolean {
  return limit === 0 || readFileSync(log)[limit - 1] === 0x0a;
}

describe('committedSize: how far a reader may read', () => {
  it('with no writer, a first stat inside the last write is looked at again: the end is the whole file', async () => {
    const end = await threeEvents();
    const limit = await committedSize(log, firstStatSees(end - 20));
    expect(limit).toBe(end);
    expect(endsALine(limit)).toBe(true);
  });

  it('with a live writer whose record says the end, a stat inside its last write gives way to the record', async () => {
    const end = await threeEvents();
    liveLock(end);
    const limit = await committedSize(log, firstStatSees(end - 20));
    expect(limit).toBe(end);
  });

  it('with a live writer still writing, the reader stops where its record says, before the line in progress', async () => {
    const end = await threeEvents();
    const lines = readFileSync(log, 'utf8').split('\n');
    const beforeLast = end - Buffer.byteLength(`${lines[2]}\n`);
    liveLock(beforeLast);
    expect(await committedSize(log)).toBe(beforeLast);
    expect(endsALine(beforeLast)).toBe(true);
  });

  it('with a dead writer, its record is not trusted: the whole file is read', async () => {
    const end = await threeEvents();
    const { dev, ino } = statSync(log, { bigint: true });
    writeFileSync(
      `${log}.lock`,
      encodeLockInfo({
        pid: 2 ** 22 + 12_345,
        host: hostname(),
        nonce: 'dead',
        at: new Date().toISOString(),
        log: { dev: String(dev), ino: String(ino) },
        size: 0,
      }),
    );
    expect(await committedSize(log)).toBe(end);
  });
});
