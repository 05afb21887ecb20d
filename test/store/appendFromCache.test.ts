import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TruceEvent } from '../../events/index.js';
import { replayLog } from '../../replay/index.js';
import { cachePathOf, FileEventStore, type NewEvent, replayLogCached } from '../../store/index.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { toJsonl } from '../properties/settings.js';

// The first append to a long log with no sidecar resumes from the checkpoint cache a replay left
// (issue 12). The oracle is the same append to a copy of the log with no cache, which replays it
// from its first line, and `replayLog` of the log afterwards: the outcome, the log's bytes and
// the sidecar (but for the copy's inode) must be the same.

let dir: string;
/** The log given a checkpoint cache, and its copy with none. */
let cached: string;
let bare: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-append-cache-'));
  cached = join(dir, 'cached.jsonl');
  bare = join(dir, 'bare.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const events = [...generatedLog({ events: 2_002, seed: 11 })];
const asNew = ({ seq: _seq, ...event }: TruceEvent): NewEvent => event as NewEvent;

/** Writes `text` as both logs and has a replay build the cache of the first. */
async function logs(text: string): Promise<void> {
  writeFileSync(cached, text);
  writeFileSync(bare, text);
  await replayLogCached(cached, { cacheMinBytes: 0, checkpointEvery: 64 });
}

/** The seq of the last checkpoint the cache lists. */
function lastCheckpoint(): number {
  const index = JSON.parse(readFileSync(join(cachePathOf(cached), 'index.json'), 'utf8'));
  return index.checkpoints.at(-1).seq;
}

interface Appended {
  /** The outcome, or the error's class and message. */
  outcome: string;
  /** The seq of the checkpoint the store went on from, as its note says (0: none). */
  resumedAt: number;
  /** The seqs its progress told, in order. */
  progress: number[];
  /** What the store said of the cache (`--debug`). */
  notes: string[];
  log: string;
  /** The sidecar, its inode left out (the two logs are two files). */
  sidecar: string | undefined;
  warnings: string[];
}

/** Appends `batch` to `path` through a store of its own, and what came of it. */
async function append(path: string, batch: NewEvent[]): Promise<Appended> {
  const progress: number[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const store = new FileEventStore(path, {
    // Below the size of these logs: the cache is read as it would be for a long log.
    cacheMinBytes: 0,
    onProgress: (seq) => progress.push(seq),
    note: (message) => notes.push(message),
    warn: (message) => warnings.push(message.replaceAll(path, 'LOG')),
  });
  let outcome: string;
  try {
    outcome = JSON.stringify(await store.append(batch));
  } catch (error) {
    const e = error as Error;
    outcome = `${e.constructor.name}: ${e.message.replaceAll(path, 'LOG')}`;
  }
  let sidecar: string | undefined;
  try {
    sidecar = readFileSync(`${path}.snapshot.json`, 'utf8').replace(/"ino":\d+/, '"ino":0');
  } catch {
    sidecar = undefined;
  }
  return {
    outcome,
    resumedAt: Number(/from the checkpoint cache at seq (\d+)$/m.exec(notes.join('\n'))?.[1] ?? 0),
    progress,
    notes,
    log: readFileSync(path, 'utf8'),
    sidecar,
    warnings,
  };
}

/** Appends `batch` to both logs: what each gave, the bare log's first. */
async function appendBoth(batch: NewEvent[]): Promise<[Appended, Appended]> {
  return [await append(bare, batch), await append(cached, batch)];
}

/**
 * Appends `event`, whose id line `seq` holds, to both logs with their sidecars gone: from the
 * cache, a no-op answering `seq`, as without it.
 */
async function repeatBoth(event: NewEvent, seq: number): Promise<void> {
  for (const path of [cached, bare]) rmSync(`${path}.snapshot.json`, { force: true });
  const [bareOne, cachedOne] = await appendBoth([event]);
  expect(cachedOne.resumedAt).toBeGreaterThan(0);
  expect(cachedOne.outcome).toMatch(new RegExp(`"seqs":\\[${seq}\\],"written":0`));
  expect(seen(cachedOne)).toEqual(seen(bareOne));
}

/** Everything but where the replay began and how it went, which only the cache changes. */
const seen = ({ resumedAt: _at, progress: _progress, notes: _notes, ...rest }: Appended) => rest;

describe('the first append to a log with a checkpoint cache and no sidecar', () => {
  it('resumes from the last checkpoint, and appends, answers and writes the sidecar as a replay from the first line does', async () => {
    await logs(toJsonl(events.slice(0, 2_000)));
    const last = lastCheckpoint();
    expect(last).toBeGreaterThan(1_900);
    const [bareOne, cachedOne] = await appendBoth([asNew(events[2_000] as TruceEvent)]);
    expect(bareOne.resumedAt).toBe(0);
    expect(cachedOne.resumedAt).toBe(last);
    // Progress goes on through the ids read before the checkpoint and the events after it.
    expect(cachedOne.progress.at(-1)).toBe(2_000);
    expect(cachedOne.progress.every((seq, i, all) => i === 0 || seq > (all[i - 1] as number))).toBe(
      true,
    );
    expect(cachedOne.progress).toContain(last + 1);
    expect(cachedOne.progress[0]).toBeLessThanOrEqual(last);
    expect(cachedOne.outcome).toMatch(/"seqs":\[2001\]/);
    expect(seen(cachedOne)).toEqual(seen(bareOne));
    expect(cachedOne.sidecar).toBeDefined();
    // The state the sidecar holds is the replay's of the whole log.
    const sidecar = JSON.parse(cachedOne.sidecar as string);
    const { replayer } = await replayLog(cached);
    expect(sidecar.replay).toEqual(JSON.parse(JSON.stringify(replayer.snapshot())));
    // The next append reads the sidecar, on either log.
    const [bareTwo, cachedTwo] = await appendBoth([asNew(events[2_001] as TruceEvent)]);
    expect([bareTwo.resumedAt, cachedTwo.resumedAt]).toEqual([0, 0]);
    expect([bareTwo.progress, cachedTwo.progress]).toEqual([[], []]);
    expect(seen(cachedTwo)).toEqual(seen(bareTwo));
  });

  it('given an id the log used before the checkpoint, then the append is what it is without the cache: a no-op answering that seq, whatever the event', async () => {
    await logs(toJsonl(events.slice(0, 2_000)));
    await repeatBoth(asNew(events[9] as TruceEvent), 10);
    await repeatBoth({ ...asNew(events[2_000] as TruceEvent), id: 'gen-1000' } as NewEvent, 1000);
  });

  it('given lines as another program may write them (a BOM, CRLF, keys in another order, an escaped id), then the same', async () => {
    const lines = toJsonl(events.slice(0, 2_000)).split('\n');
    lines[0] = `\uFEFF${lines[0]}`;
    lines[1] = (lines[1] as string).replace('"id":"gen-2"', '"id":"gen\\u002d2"');
    for (let i = 2; i < 1_990; i += 7) lines[i] = `${lines[i]}\r`;
    lines[3] = JSON.stringify(
      (({ id, seq, ...rest }) => ({ id, ...rest, seq }))(events[3] as TruceEvent),
    );
    await logs(lines.join('\n'));
    const [bare1, cached1] = await appendBoth([asNew(events[2_000] as TruceEvent)]);
    expect(cached1.resumedAt).toBe(lastCheckpoint());
    expect(seen(cached1)).toEqual(seen(bare1));
    // Its sidecar gone, the second append reads the cache again, and finds `gen-2` escaped.
    await repeatBoth({ ...asNew(events[2_001] as TruceEvent), id: 'gen-2' } as NewEvent, 2);
  });

  it('given a torn last line after the checkpoint (a write cut short), then it is moved aside as without the cache, and the append follows', async () => {
    const text = toJsonl(events.slice(0, 2_000));
    await logs(text);
    // Half of the next event's line, with no newline: what a crash mid-write leaves.
    const line = toJsonl([events[2_000] as TruceEvent]);
    const torn = line.slice(0, Math.floor(line.length / 2));
    appendFileSync(cached, torn);
    appendFileSync(bare, torn);
    const [bareOne, cachedOne] = await appendBoth([asNew(events[2_000] as TruceEvent)]);
    expect(cachedOne.resumedAt).toBeGreaterThan(0);
    // The torn bytes' file is named by the time: the same message but for it.
    const stamped = (run: Appended) => ({
      ...seen(run),
      warnings: run.warnings.map((w) => w.replace(/torn-[^ ]+/, 'torn-TIME')),
    });
    expect(cachedOne.warnings).toEqual([expect.stringMatching(/line 2001 was torn/)]);
    expect(stamped(cachedOne)).toEqual(stamped(bareOne));
    expect(cachedOne.log).toBe(`${text}${line}`);
  });

  it('given a log changed under its cache, then the append replays it from the first line', async () => {
    await logs(toJsonl(events.slice(0, 2_000)));
    // Another id of the same length on line 5: the log is as legal, but not the one cached.
    const changed = readFileSync(cached, 'utf8').replace('"id":"gen-5"', '"id":"hen-5"');
    writeFileSync(cached, changed);
    writeFileSync(bare, changed);
    const [bareOne, cachedOne] = await appendBoth([asNew(events[2_000] as TruceEvent)]);
    expect(cachedOne.resumedAt).toBe(0);
    expect(cachedOne.notes).toEqual([
      'the log changed before the first checkpoint of its cache; the cache is not used',
    ]);
    expect(seen(cachedOne)).toEqual(seen(bareOne));
  });

  it('given a replay rebuilding the cache while the first append reads it, then the append is what it is without the cache', async () => {
    for (let round = 0; round < 4; round++) {
      await logs(toJsonl(events.slice(0, 2_000)));
      // The index gone, the replay writes every checkpoint again and sweeps what it no longer lists.
      rmSync(join(cachePathOf(cached), 'index.json'));
      const rebuilding = replayLogCached(cached, { cacheMinBytes: 0, checkpointEvery: 32 + round });
      // Started at another point of the rebuild each round.
      for (let wait = 0; wait < round; wait++) await new Promise((done) => setImmediate(done));
      const [bareOne, cachedOne] = await appendBoth([asNew(events[2_000] as TruceEvent)]);
      await rebuilding;
      expect(seen(cachedOne), `round ${round}`).toEqual(seen(bareOne));
      rmSync(cachePathOf(cached), { recursive: true, force: true });
      for (const path of [cached, bare]) rmSync(`${path}.snapshot.json`, { force: true });
    }
  });

  it.each([
    ['its checkpoint files cut short', () => truncateStates(1)],
    ['its checkpoint files emptied', () => truncateStates(0)],
    [
      'an index that is not JSON',
      () => writeFileSync(join(cachePathOf(cached), 'index.json'), '{'),
    ],
    ['the cache folder a link to a cache elsewhere', () => linkCache()],
  ])('given %s, then the append replays the log from the first line', async (_name, damage) => {
    await logs(toJsonl(events.slice(0, 2_000)));
    damage();
    const [bareOne, cachedOne] = await appendBoth([asNew(events[2_000] as TruceEvent)]);
    expect(cachedOne.resumedAt).toBe(0);
    // `--debug` says why the cache was not used.
    expect(cachedOne.notes.length, cachedOne.notes.join('; ')).toBeGreaterThan(0);
    expect(seen(cachedOne)).toEqual(seen(bareOne));
  });
});

/** Cuts every file of the cache holding a state (checkpoints and tails) to `bytes`. */
function truncateStates(bytes: number): void {
  const folder = cachePathOf(cached);
  const files = readdirSync(folder).filter((name) => /^(tail-)?\d+-.*\.json$/.test(name));
  expect(files.length).toBeGreaterThan(1);
  for (const name of files) truncateSync(join(folder, name), bytes);
}

/** Moves the cache elsewhere, intact, and leaves a symbolic link to it at its name. */
function linkCache(): void {
  const folder = cachePathOf(cached);
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  cpSync(folder, join(elsewhere, 'cache'), { recursive: true });
  rmSync(folder, { recursive: true });
  symlinkSync(join(elsewhere, 'cache'), folder);
}
