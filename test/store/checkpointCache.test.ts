import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  constants,
  existsSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TruceEvent, writeIdFingerprint } from '../../events/index.js';
import { type ReplayOutcome, type ReplaySnapshot, replayLog } from '../../replay/index.js';
import { PROVEN_ID_SCANS, spreadOf } from '../../store/cachedReplay.js';
import {
  CACHE_VERSION,
  ChainHasher,
  INDEX_MAX_BYTES,
  STALE_TEMP_MS,
  sharedOf,
  writeCacheCheckpoint,
} from '../../store/checkpointCache.js';
import {
  type CacheAccess,
  type CachedReplayOptions,
  CheckpointMemo,
  cachePathOf,
  loadCheckpointState,
  nodeFs,
  readCacheIndex,
  replayLogCached,
  type StoreFs,
} from '../../store/index.js';
import { sha256 } from '../../store/logFile.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { mutatedLog } from '../arbitraries/mutatedLog.js';
import { truceBin, writeGenerated } from '../cli/truce.js';
import {
  checkAsyncProperty,
  numRuns,
  propertyTimeout,
  seed,
  toJsonl,
} from '../properties/settings.js';

// Issue 12, item 4: the checkpoint cache gives what a replay without it gives, or is not used.
// The oracle is `replayLog`, which never reads the cache.

let dir: string;
let log: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-cache-'));
  log = join(dir, 'deal.jsonl');
  cache = cachePathOf(log);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a user could see of an outcome, or of the error instead. */
async function seen(run: () => Promise<ReplayOutcome>): Promise<string> {
  try {
    const { report, events, stoppedBy, replayer } = await run();
    return JSON.stringify({
      report,
      events,
      stoppedBy,
      state: replayer.state,
      next: replayer.next(),
    });
  } catch (error) {
    const e = error as Error & { rule?: string };
    return JSON.stringify({ error: e.constructor.name, message: e.message, rule: e.rule });
  }
}

type Cut = Pick<CachedReplayOptions, 'until' | 'at'>;

/** Checkpoints every 3 events, whatever their size, on logs of any length. */
const small = {
  checkpointEvery: 3,
  checkpointShare: Number.POSITIVE_INFINITY,
  cacheMinBytes: 0,
  // The ids file written in parts of two fingerprints as the replay goes.
  idsBlock: 2,
};

const cold = (path: string, cut: Cut = {}) => seen(() => replayLog(path, cut));
const cached = (path: string, cut: Cut = {}, options: CachedReplayOptions = {}) =>
  seen(() => replayLogCached(path, { ...small, ...cut, ...options }));

interface IndexSeen {
  end: { seq: number };
  checkpoints: { seq: number; bytes: number; file: string; from: number | null; size: number }[];
  ids: { file: string; count: number; fileHash: string };
  tails: { seq: number; file: string; fileHash: string; size: number }[];
  log: Record<string, string> | null;
  checksum?: string;
}

function readIndex(): IndexSeen {
  return JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8'));
}

/** Writes an index changed by hand, with its checksum made to match. */
function writeIndex(index: IndexSeen): void {
  delete index.checksum;
  index.checksum = sha256(Buffer.from(JSON.stringify(index)));
  writeFileSync(join(cache, 'index.json'), JSON.stringify(index));
}

/**
 * Rewrites a tail's file as `edit` makes it (it must change it), with every hash made to
 * match: the index lists its new hash and size, and its checksum is made again.
 */
function forgeTail(
  index: IndexSeen,
  tail: IndexSeen['tails'][number],
  edit: (text: string) => string,
): void {
  const file = join(cache, tail.file);
  const text = readFileSync(file, 'utf8');
  const forged = edit(text);
  expect(forged).not.toBe(text);
  writeFileSync(file, forged);
  tail.fileHash = sha256(readFileSync(file));
  tail.size = readFileSync(file).length;
  writeIndex(index);
}

/** A file system that lists the names (within the cache) of the files opened through it. */
function watchOpens(): { opened: string[]; watching: StoreFs } {
  const opened: string[] = [];
  const watching: StoreFs = {
    ...nodeFs,
    open: (path, ...rest) => {
      opened.push(String(path).slice(cache.length + 1));
      return nodeFs.open(path, ...rest);
    },
  };
  return { opened, watching };
}

/** One more aid delivery as a line, with the id given. */
function aidLine(seq: number, id: string): string {
  const at = new Date(Date.UTC(2023, 10, 22) + seq * 3_600_000).toISOString();
  return `${JSON.stringify({ seq, id, type: 'aid.delivered', at, data: { region: 'r', trucks: 1 } })}\n`;
}

const checkpointFiles = () => readdirSync(cache).filter((name) => /^\d+-/.test(name));

/** A log of `n` legal events: an opening, a proposal, then aid deliveries (one region each). */
function aidLog(n: number, from = 1): string {
  const lines: string[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const at = new Date(Date.UTC(2023, 10, 22) + seq * 3_600_000).toISOString();
    const event =
      seq === 1
        ? {
            seq,
            id: `e${seq}`,
            type: 'negotiation.opened',
            at,
            data: {
              title: 'Cache test',
              parties: [
                { id: 'a', name: 'A', role: 'principal' },
                { id: 'b', name: 'B', role: 'principal' },
              ],
            },
          }
        : { seq, id: `e${seq}`, type: 'aid.delivered', at, data: { region: 'r', trucks: seq } };
    lines.push(JSON.stringify(event));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the aid log of the first length (20 events or more, returned) whose built cache has a tail: a
 * checkpoint before the last that holds edits, whose whole state is kept beside it (whole
 * states come every few).
 */
async function cacheWithTail(): Promise<number> {
  for (let n = 20; n < 40; n++) {
    writeFileSync(log, aidLog(n));
    await cached(log);
    if (readIndex().tails.some((t) => t.seq === readIndex().checkpoints.at(-2)?.seq)) return n;
  }
  throw new Error('no aid log of 20 to 39 events gives a cache with a tail');
}

describe('ChainHasher', () => {
  it('gives the chained hashes of the bytes fed, fed from a buffer read into again at once (property)', () => {
    // Each step: bytes fed (the length of a chunk), then a mark, a peek or a hash to a point of
    // what was fed since the last mark.
    const step = fc.record({
      feed: fc.nat({ max: 70_000 }),
      what: fc.constantFrom('mark', 'peek', 'hashTo', 'none'),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), fc.nat(), (steps, salt) => {
        const hasher = new ChainHasher();
        const reused = Buffer.alloc(70_000);
        let fed = 0;
        let chain = '';
        let linked = 0;
        let hashed = 0;
        const byte = (i: number) => (i * 31 + salt + (i >> 8)) & 0xff;
        const bytes = (from: number, to: number) => {
          const out = Buffer.alloc(to - from);
          for (let k = 0; k < out.length; k++) out[k] = byte(from + k);
          return out;
        };
        for (const { feed, what, at } of steps) {
          for (let k = 0; k < feed; k++) reused[k] = byte(fed + k);
          hasher.feed(reused.subarray(0, feed));
          fed += feed;
          // The reader reuses its buffer: what the hasher holds must be its own copy.
          reused.fill(0xee);
          const to = hashed + Math.floor(at * (fed - hashed));
          const since = bytes(linked, to);
          const want = createHash('sha256').update(chain).update(since).digest('hex');
          if (what === 'mark') {
            expect(hasher.mark(to)).toBe(to === linked ? chain : want);
            if (to !== linked) chain = want;
            linked = to;
            hashed = to;
          } else if (what === 'peek') {
            expect(hasher.peek(to)).toBe(to === linked ? chain : want);
            hashed = Math.max(hashed, to);
          } else if (what === 'hashTo') {
            hasher.hashTo(to);
            hashed = Math.max(hashed, to);
          }
          expect(hasher.readTo).toBe(fed);
          // What is still held reads back as fed.
          expect(hasher.slice(hashed, fed).equals(bytes(hashed, fed))).toBe(true);
        }
      }),
      { seed, numRuns: Math.min(numRuns, 200) },
    );
  });
});

describe('a checkpoint file as written', () => {
  it('given a state of several MB, with strings longer than a third of the write buffer and characters of two and three bytes, then the file is its JSON text, byte for byte, hashed and sized as it is', async () => {
    const access: CacheAccess = { dir: cache, fs: nodeFs, note: () => undefined };
    // Pieces of every kind: runs of small items filling the 1 MiB buffer, strings that fill it
    // up to its end in characters of 2 and 3 bytes, and a string too large for it at all.
    const list = Array.from({ length: 40_000 }, (_, i) => ({
      i,
      name: `é${i}`,
      at: '€'.repeat(i % 7),
    }));
    const replay = {
      list,
      wide: 'é'.repeat(300_000),
      wider: '€'.repeat(349_000),
      giant: 'x'.repeat(1_500_000),
      after: [list.slice(0, 5000), { tail: '€'.repeat(200_000) }],
    } as unknown as ReplaySnapshot;
    const written = await writeCacheCheckpoint(access, {
      seq: 9,
      bytes: 900,
      hash: 'a'.repeat(64),
      from: null,
      replay,
    });
    const bytes = readFileSync(join(cache, written?.file ?? ''));
    const expected = Buffer.from(
      JSON.stringify({
        format: 'truce-checkpoint',
        version: CACHE_VERSION,
        seq: 9,
        bytes: 900,
        hash: 'a'.repeat(64),
        from: null,
        replay,
      }),
    );
    expect(bytes.length).toBeGreaterThan(5_000_000);
    expect(bytes.equals(expected)).toBe(true);
    expect(written).toEqual({
      file: '9-aaaaaaaaaaaaaaaa.json',
      fileHash: sha256(expected),
      size: expected.length,
    });
  });
});

describe('the checkpoint cache', { timeout: propertyTimeout }, () => {
  it('gives, at every cut of a generated log, what a replay without it gives (property)', async () => {
    let run = 0;
    await checkAsyncProperty(
      'checkpoint-cache-equals-cold-replay',
      fc.asyncProperty(
        fc.oneof(
          legalLog({ maxEvents: 24 }),
          mutatedLog({ maxEvents: 24 }).map((m) => m.mutated),
        ),
        fc.array(fc.tuple(fc.nat({ max: 35 }), fc.boolean()), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat({ max: 3 }),
        // Checkpoints that many times further apart before the last stretch (1: every one).
        fc.integer({ min: 1, max: 4 }),
        // Entries per block a whole state copies from the last one's file.
        fc.integer({ min: 1, max: 4 }),
        async (events, cuts, every, peek, spread, listBlock) => {
          const path = join(dir, `log-${++run}.jsonl`);
          writeFileSync(path, toJsonl(events));
          // The first replay builds the cache; each cut after it resumes from it. While it
          // builds, a caller may take the projection between checkpoints (`onEvent`).
          const onEvent: CachedReplayOptions['onEvent'] = (entry, replayer) => {
            if (peek > 0 && entry.event.seq % peek === 0) replayer.projection();
          };
          const cutsAfter = cuts.map(([k, byTime]) => cutOf(events, k, byTime));
          // One memo for the queries: each is asked twice, so the second resumes from the state
          // the first resumed from (a replay that changed it would be caught here).
          const memo = new CheckpointMemo();
          for (const [i, cut] of [{}, ...cutsAfter, {}].entries()) {
            const want = await cold(path, cut);
            for (let twice = 0; twice < (i === 0 ? 1 : 2); twice++) {
              const got = await cached(path, cut, {
                checkpointEvery: every,
                checkpointSpread: every * spread,
                listBlock,
                ...(i === 0 ? { onEvent } : { memo }),
              });
              if (got !== want) {
                throw new Error(`at ${JSON.stringify(cut)}: cached ${got}\nbut cold ${want}`);
              }
            }
          }
        },
      ),
      (events, _cuts, _every, _peek, _spread, _listBlock) => events,
      // Each run writes files and replays a few times: a quarter of the suite's count.
      Math.ceil(numRuns / 4),
    );
  });

  it('spaces checkpoints before the last stretch by a multiple of checkpointEvery, and never closer than it', () => {
    expect(spreadOf(1024)).toBe(4096);
    expect(spreadOf(3, 10)).toBe(9);
    expect(spreadOf(3, 11)).toBe(12);
    expect(spreadOf(3, 3)).toBe(3);
    for (const spread of [2, 0, -6, Number.NaN]) expect(spreadOf(3, spread)).toBe(3);
    expect(spreadOf(3, Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  it('given a long log, then checkpoints are checkpointSpread events apart but over the last stretch before where a replay stops, where they are checkpointEvery apart', async () => {
    writeFileSync(log, aidLog(300));
    const spaced = { checkpointEvery: 3, checkpointSpread: 30 };
    // To seq 200: every 30 events, then every 3 over the 30 events before 200 (171 to 198).
    expect(await cached(log, { until: 200 }, spaced)).toBe(await cold(log, { until: 200 }));
    const dense = (from: number, to: number) =>
      Array.from({ length: (to - from) / 3 + 1 }, (_, i) => from + 3 * i);
    expect(readIndex().checkpoints.map((c) => c.seq)).toEqual([
      30,
      60,
      90,
      120,
      150,
      ...dense(171, 198),
    ]);
    // To the end: on from there, every 30 events again, and every 3 over about the last 30 (the
    // stretch is told from the bytes left at the mean size of an event, so its first checkpoint
    // may move by one).
    expect(await cached(log, {}, spaced)).toBe(await cold(log));
    const seqs = readIndex().checkpoints.map((c) => c.seq);
    expect(seqs.every((seq) => seq % 3 === 0)).toBe(true);
    expect(seqs.filter((seq) => seq > 200 && seq <= 264)).toEqual([210, 240]);
    expect(seqs.filter((seq) => seq >= 276)).toEqual(dense(276, 300));
    for (const until of [100, 171, 250, 299]) {
      expect(await cached(log, { until }, spaced)).toBe(await cold(log, { until }));
    }
  });

  it("given a long generated deal, then every checkpoint's edits rebuild its state: entries of the long lists replaced between checkpoints included", async () => {
    const events = [...generatedLog({ events: 3_000, seed: 7 })];
    writeFileSync(log, toJsonl(events));
    const every = { checkpointEvery: 7 };
    expect(await cached(log, {}, every)).toBe(await cold(log));
    // Each query resumes from a chain of edits back to a whole state.
    const { checkpoints } = readIndex();
    expect(checkpoints.filter((c) => c.from !== null).length).toBeGreaterThan(300);
    for (const until of [500, 1_234, 2_001, 2_999]) {
      expect(await cached(log, { until }, every)).toBe(await cold(log, { until }));
    }
    // The log replaces entries of the lists (obligations met, flare-ups ended, proposals
    // answered): the edits name fields of entries, not only whole new entries.
    const edited = new Set<string>();
    for (const c of checkpoints.filter((c) => c.from !== null)) {
      const { edits } = JSON.parse(readFileSync(join(cache, c.file), 'utf8'));
      for (const [path] of edits as [unknown[]][]) {
        if (path[0] === 'projection' && path.length === 4) edited.add(`${path[1]}.${path[3]}`);
      }
    }
    for (const field of ['obligations.fulfilled', 'flareUps.restoredAt', 'proposals.status']) {
      expect([...edited]).toContain(field);
    }
  });

  /**
   * A file system that notes the names of the cache's whole-state files read a range of (what a
   * whole state copies from), and runs `beforeOpen` before one is opened to be read.
   */
  function watchCopies(beforeOpen: (path: string) => void = () => {}) {
    const copiedFrom = new Set<string>();
    const names = new Map<number, string>();
    const whole = /^[0-9]+-[0-9a-f]{16}\.json$/;
    const watching: StoreFs = {
      ...nodeFs,
      openSync: (path, flags, mode) => {
        const name = String(path).slice(cache.length + 1);
        const reading = (flags & (constants.O_WRONLY | constants.O_RDWR)) === 0;
        if (reading && whole.test(name)) beforeOpen(String(path));
        const fd = nodeFs.openSync(path, flags, mode);
        if (reading && whole.test(name)) names.set(fd, name);
        return fd;
      },
      readSync: (fd, buffer, offset, length, position) => {
        const name = names.get(fd);
        if (name !== undefined) copiedFrom.add(name);
        return nodeFs.readSync(fd, buffer, offset, length, position);
      },
    };
    /** Whether `fd` is a whole state's file opened to be read. */
    const isWhole = (fd: number) => names.has(fd);
    return { copiedFrom, watching, isWhole };
  }

  /** Every file of the cache by name, with its bytes. */
  const cacheFiles = () =>
    new Map(readdirSync(cache).map((name) => [name, readFileSync(join(cache, name))]));

  it("given a long generated deal, then a whole state copies from the last whole state's file the blocks of its long lists whose entries were not replaced since: every file byte for byte the one written without copying", async () => {
    const events = [...generatedLog({ events: 3_000, seed: 7 })];
    writeFileSync(log, toJsonl(events));
    const options = { checkpointEvery: 7, checkpointShare: 0.5, idsBlock: 64 };
    const { copiedFrom, watching } = watchCopies();
    expect(await cached(log, {}, { ...options, listBlock: 3, fs: watching })).toBe(await cold(log));
    const copying = cacheFiles();
    const wholes = readIndex().checkpoints.filter((c) => c.from === null);
    expect(wholes.length).toBeGreaterThan(3);
    // Blocks were copied from every whole state but the first (whose lists are shorter than a
    // block): each by the next whole state, the last by the tail.
    expect([...copiedFrom].sort()).toEqual(
      wholes
        .slice(1)
        .map((c) => c.file)
        .sort(),
    );
    expect(readIndex().tails.length).toBe(1);
    rmSync(cache, { recursive: true });
    // Blocks larger than any list: a whole state takes a list only if it did not change at all.
    expect(await cached(log, {}, { ...options, listBlock: 1e9 })).toBe(await cold(log));
    expect(cacheFiles()).toEqual(copying);
    for (const until of [500, 1_234, 2_001, 2_999]) {
      expect(await cached(log, { until }, options)).toBe(await cold(log, { until }));
    }
  });

  /**
   * A generated deal's cache whose whole states copy blocks of two entries, built once and
   * removed: its files, to compare a second build's with, and the options that built it.
   */
  const cacheOfWholeStates = async () => {
    writeFileSync(log, toJsonl([...generatedLog({ events: 1_500, seed: 3 })]));
    const options = { checkpointEvery: 7, checkpointShare: 0.5, listBlock: 2 };
    expect(await cached(log, {}, options)).toBe(await cold(log));
    const written = cacheFiles();
    rmSync(cache, { recursive: true });
    return { options, written };
  };

  it("given the last whole state's file written to since (same size), then nothing is copied from it, and the new whole state is written from the state", async () => {
    const { options, written } = await cacheOfWholeStates();
    // Its bytes the same, only its times changed: a write to it, as far as stat can tell.
    const { copiedFrom, watching } = watchCopies((path) => utimesSync(path, 1, 1));
    expect(await cached(log, {}, { ...options, fs: watching })).toBe(await cold(log));
    expect(copiedFrom.size).toBe(0);
    expect(cacheFiles()).toEqual(written);
  });

  it("given the last whole state's file changed within a millisecond of being written (its times a nanosecond later, finer than milliseconds as floats tell), then nothing is copied from it", async () => {
    const { options, written } = await cacheOfWholeStates();
    // A file system that records times to the nanosecond: the file copied from was written to
    // once more, a nanosecond after it was made. In milliseconds, as a float (a quarter of a
    // microsecond apart at today's times), most often no time moved.
    const { copiedFrom, watching, isWhole } = watchCopies();
    const later: StoreFs = {
      ...watching,
      fstatBigIntSync: (fd) => {
        const stat = nodeFs.fstatBigIntSync(fd);
        if (isWhole(fd)) {
          stat.mtimeNs += 1n;
          stat.ctimeNs += 1n;
        }
        return stat;
      },
    };
    expect(await cached(log, {}, { ...options, fs: later })).toBe(await cold(log));
    expect(copiedFrom.size).toBe(0);
    expect(cacheFiles()).toEqual(written);
    // The same file system with the times as they are: blocks are copied, the files the same.
    rmSync(cache, { recursive: true });
    const same = watchCopies();
    expect(await cached(log, {}, { ...options, fs: same.watching })).toBe(await cold(log));
    expect(same.copiedFrom.size).toBeGreaterThan(0);
    expect(cacheFiles()).toEqual(written);
  });

  it('temp files left by a replay stopped while writing are swept once stale; a fresh one, a link and files of others are left', async () => {
    writeFileSync(log, aidLog(20));
    expect(await cached(log)).toBe(await cold(log));
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    const stale = ['.12-0123456789abcdef.json.0123456789ab.tmp', '.ids.aaaaaaaaaaaa.tmp'];
    // Another replay's, being written now; a file the user put there; a link named like a temp.
    const fresh = '.ids.bbbbbbbbbbbb.tmp';
    const mine = 'notes.tmp';
    const link = '.index.json.cccccccccccc.tmp';
    const target = join(dir, 'kept.txt');
    writeFileSync(target, 'kept');
    for (const name of [...stale, fresh, mine]) writeFileSync(join(cache, name), 'partial');
    symlinkSync(target, join(cache, link));
    for (const name of [...stale, mine]) utimesSync(join(cache, name), old, old);
    lutimesSync(join(cache, link), old, old);
    // A replay that goes further writes the index, and sweeps then.
    appendFileSync(log, aidLog(10, 21));
    expect(await cached(log)).toBe(await cold(log));
    const names = readdirSync(cache);
    for (const name of stale) expect(names).not.toContain(name);
    expect(names).toEqual(expect.arrayContaining([fresh, mine, link]));
    expect(readFileSync(target, 'utf8')).toBe('kept');
    expect(await cached(log, { until: 25 })).toBe(await cold(log, { until: 25 }));
  });

  it.each(['auto', 'always'] as const)(
    'given a built cache, when events are appended, then it extends it: old checkpoints kept, new ones added (prefix hashed: %s)',
    async (proofThread) => {
      writeFileSync(log, aidLog(20));
      expect(await cached(log)).toBe(await cold(log));
      const before = checkpointFiles();
      expect(before).toHaveLength(6);
      appendFileSync(log, aidLog(10, 21));
      const notes: string[] = [];
      const note = (message: string) => notes.push(message);
      expect(await cached(log, {}, { proofThread, note })).toBe(await cold(log));
      // A thread asked for did the hashing (it says so when it falls back to this one).
      expect(notes.filter((m) => /main thread/.test(m))).toEqual([]);
      expect(readIndex().end.seq).toBe(30);
      const after = checkpointFiles();
      expect(after).toEqual(expect.arrayContaining(before));
      expect(after).toHaveLength(10);
      // Whole states and the edits between them, each edit against the checkpoint before it.
      const { checkpoints } = readIndex();
      expect(checkpoints[0]?.from).toBeNull();
      expect(checkpoints.some((c) => c.from === null && c !== checkpoints[0])).toBe(true);
      expect(checkpoints.filter((c) => c.from !== null).length).toBeGreaterThan(4);
      for (const [i, c] of checkpoints.entries()) {
        if (c.from !== null) expect(c.from).toBe(checkpoints[i - 1]?.seq);
      }
      for (const until of [2, 17, 25, 30])
        expect(await cached(log, { until })).toBe(await cold(log, { until }));
    },
  );

  it("given a built cache, when only the log's metadata changes (a new hard link, its times set back), then the next query proves its prefix again and records the log as it is now, so the one after need not", async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    const built = readIndex();
    linkSync(log, join(dir, 'another-name.jsonl'));
    // Times set to a fixed instant: the fingerprint differs even where the clock is coarse.
    utimesSync(log, new Date(Date.UTC(2001, 0, 1)), new Date(Date.UTC(2001, 0, 1)));
    const now = statSync(log, { bigint: true });
    expect(built.log?.mtimeNs).not.toBe(String(now.mtimeNs));
    expect(await cached(log, { until: 10 })).toBe(await cold(log, { until: 10 }));
    const refreshed = readIndex();
    expect(refreshed.log).toEqual({
      dev: String(now.dev),
      ino: String(now.ino),
      size: String(now.size),
      mtimeNs: String(now.mtimeNs),
      ctimeNs: String(now.ctimeNs),
    });
    // Nothing else changed: the same checkpoints, files and end.
    expect({ ...refreshed, log: null, checksum: '' }).toEqual({
      ...built,
      log: null,
      checksum: '',
    });
    expect(await cached(log, { until: 17 })).toBe(await cold(log, { until: 17 }));
    expect(readIndex()).toEqual(refreshed);
  });

  it("given an index that records the log as it is, when its end's last line does not read back (its hash damaged, the checksum made to match), then the query proves the prefix again, answers right, and neither reads nor writes the index again: there is nothing new to record", async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    const index = readIndex() as IndexSeen & { end: { lastLineHash: string } };
    const now = statSync(log, { bigint: true });
    expect(index.log?.ctimeNs).toBe(String(now.ctimeNs));
    index.end.lastLineHash = '0'.repeat(64);
    writeIndex(index);
    const before = readFileSync(join(cache, 'index.json'));
    const { ino, mtimeNs } = statSync(join(cache, 'index.json'), { bigint: true });
    // Each time the index is opened (to be read) or renamed into place (written).
    let reads = 0;
    let writes = 0;
    const counting: StoreFs = {
      ...nodeFs,
      open: (path, ...rest) => {
        if (String(path) === join(cache, 'index.json')) reads++;
        return nodeFs.open(path, ...rest);
      },
      renameSync: (from, to) => {
        if (String(to) === join(cache, 'index.json')) writes++;
        nodeFs.renameSync(from, to);
      },
    };
    for (const until of [10, 17]) {
      expect(await cached(log, { until }, { fs: counting })).toBe(await cold(log, { until }));
    }
    expect({ reads, writes }).toEqual({ reads: 2, writes: 0 });
    expect(readFileSync(join(cache, 'index.json'))).toEqual(before);
    const after = statSync(join(cache, 'index.json'), { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([ino, mtimeNs]);
  });

  it('tells where a replay resumes before it reads there: the checkpoint at or before its target, an earlier one when that one does not hold, or the first line', async () => {
    writeFileSync(log, aidLog(20));
    const told: Array<[number, number]> = [];
    const onResume = (seq: number, bytes: number) => told.push([seq, bytes]);
    // No cache yet: from the first line.
    expect(await cached(log, {}, { onResume })).toBe(await cold(log));
    expect(told).toEqual([[0, 0]]);
    const { checkpoints } = readIndex();
    const at = checkpoints.find((c) => c.seq === 12);
    expect(at).toBeDefined();
    told.length = 0;
    expect(await cached(log, { until: 13 }, { onResume })).toBe(await cold(log, { until: 13 }));
    expect(told).toEqual([[12, at?.bytes]]);
    // Its file gone: the one before is told too, before it is read.
    rmSync(join(cache, at?.file as string));
    told.length = 0;
    expect(await cached(log, { until: 13 }, { onResume })).toBe(await cold(log, { until: 13 }));
    expect(told.map(([seq]) => seq)).toEqual([12, 9]);
  });

  // The prefix is hashed on the caller's thread for a log this short, or on one of its own.
  it.each(['auto', 'always'] as const)(
    'given a built cache, when an earlier line is rewritten in place (same length), then it is rebuilt, never trusted (prefix hashed: %s)',
    async (proofThread) => {
      writeFileSync(log, aidLog(20));
      await cached(log);
      const old = checkpointFiles();
      // trucks 5 → 9 on seq 5: same bytes count, same inode, same last lines.
      const text = readFileSync(log, 'utf8').replace('"trucks":5}', '"trucks":9}');
      writeFileSync(log, text);
      for (const until of [19, 4, 12, undefined]) {
        const cut = until === undefined ? {} : { until };
        expect(await cached(log, cut, { proofThread })).toBe(await cold(log, cut));
      }
      expect(JSON.parse(await cached(log, { until: 19 }, { proofThread })).report.aid.trucks).toBe(
        JSON.parse(await cold(log, { until: 19 })).report.aid.trucks,
      );
      // The checkpoints made before the rewritten line hold; those after it are gone.
      expect(
        checkpointFiles()
          .filter((name) => old.includes(name))
          .map((n) => Number(n.split('-')[0])),
      ).toEqual([3]);
    },
  );

  it("given a built cache, when the log is cut short or replaced by another, then the answer is the new log's", async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    writeFileSync(log, aidLog(8));
    expect(await cached(log, { until: 15 })).toBe(await cold(log, { until: 15 }));
    expect(await cached(log)).toBe(await cold(log));
    rmSync(log);
    writeFileSync(log, aidLog(14).replaceAll('"trucks":', '"fuelTrucks":1,"trucks":'));
    expect(await cached(log, { until: 13 })).toBe(await cold(log, { until: 13 }));
    expect(readIndex().end.seq).toBe(13);
  });

  it('given a built cache, when an event repeating an earlier id is appended, then the error names its line, as without the cache', async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    appendFileSync(log, aidLine(21, 'e5'));
    const got = await cached(log);
    expect(got).toBe(await cold(log));
    expect(got).toContain('already used on line 5');
  });

  // The first PROVEN_ID_SCANS new ids are looked for by a scan of the ids file, the rest in an
  // index of it: a repeat is found either way, as the 1st, the last scanned or a later new event.
  it.each([1, PROVEN_ID_SCANS, PROVEN_ID_SCANS + 1, 40])(
    'given a built cache, when the new event %i after it repeats an earlier id, then the error names its line, as without the cache',
    async (at) => {
      writeFileSync(log, aidLog(20));
      await cached(log);
      if (at > 1) appendFileSync(log, aidLog(at - 1, 21));
      appendFileSync(log, aidLine(20 + at, 'e7'));
      const got = await cached(log);
      expect(got).toBe(await cold(log));
      expect(got).toContain('already used on line 7');
    },
  );

  /**
   * Writes `id`'s fingerprint in the place of seq 4's in the ids file (the file and the index
   * rehashed, so the cache holds): a new event with that id then shares a proven fingerprint.
   */
  const giveSeq4TheFingerprintOf = (id: string): Uint32Array => {
    const index = readIndex();
    const bytes = readFileSync(join(cache, index.ids.file));
    const print = new Uint32Array(2);
    writeIdFingerprint(id, print, 0);
    bytes.writeUInt32LE(print[0] as number, 3 * 8);
    bytes.writeUInt32LE(print[1] as number, 3 * 8 + 4);
    const fileHash = sha256(bytes);
    index.ids = { ...index.ids, file: `ids-${fileHash.slice(0, 16)}.bin`, fileHash };
    writeFileSync(join(cache, index.ids.file), bytes);
    writeIndex(index);
    return print;
  };

  it('given an id whose fingerprint matches one of the proven part, then the log settles it: a new id is taken', async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    // The fingerprint of seq 4's id made that of a new id, the ids file and index rehashed.
    const print = giveSeq4TheFingerprintOf('zz-new');
    appendFileSync(log, aidLine(21, 'zz-new'));
    const got = await cached(log);
    expect(got).toBe(await cold(log));
    expect(JSON.parse(got).events).toBe(21);
    // The shared fingerprint was read and carried on: it was the log that said the id is new.
    const now = readIndex();
    expect(now.ids.count).toBe(21);
    expect(readFileSync(join(cache, now.ids.file)).readUInt32LE(3 * 8)).toBe(print[0]);
  });

  it('given an id past the scanned ones whose fingerprint matches one of the proven part, then the log settles it too', async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    // The fingerprint of seq 4's id made that of the new id after the ones scanned.
    giveSeq4TheFingerprintOf('zz-late');
    const before = PROVEN_ID_SCANS + 3;
    appendFileSync(log, aidLog(before, 21));
    appendFileSync(log, aidLine(21 + before, 'zz-late'));
    const got = await cached(log);
    expect(got).toBe(await cold(log));
    expect(JSON.parse(got).events).toBe(21 + before);
  });

  it("given a first replay, then the ids file holds each event's id fingerprint in seq order, written in blocks as the replay went, and after an append the new ones follow", async () => {
    const expectIds = (n: number) => {
      const bytes = readFileSync(join(cache, readIndex().ids.file));
      const want = new Uint32Array(2 * n);
      for (let seq = 1; seq <= n; seq++) writeIdFingerprint(`e${seq}`, want, seq - 1);
      expect(bytes.length).toBe(8 * n);
      for (let i = 0; i < 2 * n; i++) expect(bytes.readUInt32LE(4 * i), `word ${i}`).toBe(want[i]);
    };
    writeFileSync(log, aidLog(50));
    // Blocks of two fingerprints: 25 blocks written as the replay goes, each taken again after.
    expect(await cached(log)).toBe(await cold(log));
    expectIds(50);
    appendFileSync(log, aidLog(9, 51));
    expect(await cached(log)).toBe(await cold(log));
    expectIds(59);
  });

  it('given events past the proven part, a query that stops before them checks no line after the first event past its point: it does not read the ids file', async () => {
    writeFileSync(log, aidLog(20));
    expect(await cached(log)).toBe(await cold(log));
    appendFileSync(log, aidLog(10, 21));
    const { opened, watching: fs } = watchOpens();
    // Event 20, the last proven one, is the first past seq 19: it is checked (a replay without
    // the cache checks it too); the appended lines after it, in the same chunk, are not.
    expect(await cached(log, { until: 19 }, { fs })).toBe(await cold(log, { until: 19 }));
    expect(opened.filter((name) => name.startsWith('ids-'))).toEqual([]);
    // Asked past the proven part, the same query reads it.
    expect(await cached(log, { until: 25 }, { fs })).toBe(await cold(log, { until: 25 }));
    expect(opened.filter((name) => name.startsWith('ids-'))).toHaveLength(1);
  });

  it('given a replay stopped by an event the machine refuses, ids past it already checked, then the ids file holds those of the events replayed and the index ends there', async () => {
    // One chunk: every line is checked before its events are replayed, so the fingerprints of
    // the events after the refused one (52) are taken while the blocks of two are written out.
    const opened = JSON.parse(aidLog(1).trim()) as { seq: number; id: string };
    const refused = JSON.stringify({ ...opened, seq: 52, id: 'e52' });
    writeFileSync(log, `${aidLog(51)}${refused}\n${aidLog(8, 53)}`);
    const want = await cold(log);
    expect(want).toContain('RejectedEventError');
    expect(await cached(log)).toBe(want);
    const index = readIndex();
    expect(index.end.seq).toBe(51);
    const bytes = readFileSync(join(cache, index.ids.file));
    expect(bytes.length).toBe(8 * 51);
    const words = new Uint32Array(2);
    for (let seq = 1; seq <= 51; seq++) {
      writeIdFingerprint(`e${seq}`, words, 0);
      expect(bytes.readUInt32LE(8 * (seq - 1)), `seq ${seq}`).toBe(words[0]);
      expect(bytes.readUInt32LE(8 * (seq - 1) + 4), `seq ${seq}`).toBe(words[1]);
    }
    // Resumed from there, the query after it answers as a replay without the cache.
    expect(await cached(log, { until: 51 })).toBe(await cold(log, { until: 51 }));
  });

  it('given a memo, then a second query resuming from the same checkpoint reads none of its files, answers as a replay without the cache does, and files that changed are read again', async () => {
    await cacheWithTail();
    const index = readIndex();
    const tail = index.tails[0] as IndexSeen['tails'][number];
    const last = index.checkpoints.at(-1) as IndexSeen['checkpoints'][number];
    const memo = new CheckpointMemo();
    const { opened, watching } = watchOpens();
    const reads = async (cut: Cut) => {
      opened.length = 0;
      expect(await cached(log, cut, { fs: watching, memo })).toBe(await cold(log, cut));
      return opened.filter((name) => /\.json$/.test(name) && name !== 'index.json');
    };
    // From the last checkpoint: the tail and the last one's edits, once.
    expect(await reads({ until: last.seq + 1 })).toEqual([tail.file, last.file]);
    expect(await reads({ until: last.seq + 2 })).toEqual([]);
    expect(await reads({ until: last.seq })).toEqual([]);
    // Another checkpoint: its files are read, and it is the one kept from then on.
    expect(await reads({ until: tail.seq + 1 })).toEqual([tail.file]);
    expect(await reads({ until: tail.seq })).toEqual([]);
    expect(await reads({ until: last.seq + 1 })).toEqual([tail.file, last.file]);
    // The tail rewritten with another title, and the index made to list it: another hash, so
    // it is read again, and the state is the one it now gives (the last checkpoint's edits do
    // not touch the title).
    forgeTail(index, tail, (text) =>
      text.replace('"title":"Cache test"', '"title":"Forged title"'),
    );
    opened.length = 0;
    const forged = JSON.parse(await cached(log, { until: last.seq + 1 }, { fs: watching, memo }));
    expect(opened).toContain(tail.file);
    expect(forged.report.title).toBe('Forged title');
  });

  it("given a built cache whose checkpoint before the last holds edits, then its whole state is kept beside it, a query from it reads that one file, and one from the last checkpoint reads it and the last one's edits", async () => {
    const n = await cacheWithTail();
    const index = readIndex();
    expect(index.checkpoints.at(-2)?.from).not.toBeNull();
    // One tail, never one for the last checkpoint.
    expect(index.tails.map((t) => t.seq)).toEqual([index.checkpoints.at(-2)?.seq]);
    const tail = index.tails[0] as IndexSeen['tails'][number];
    const last = index.checkpoints.at(-1) as IndexSeen['checkpoints'][number];
    // The files a query opens, by name.
    const { opened, watching } = watchOpens();
    const reads = async (cut: Cut) => {
      opened.length = 0;
      const got = await cached(log, cut, { fs: watching });
      expect(got).toBe(await cold(log, cut));
      return opened.filter((name) => /\.json$/.test(name) && name !== 'index.json');
    };
    expect(await reads({ until: tail.seq + 1 })).toEqual([tail.file]);
    expect(await reads({ until: last.seq + 1 })).toEqual([tail.file, last.file]);
    const until = { until: tail.seq + 1 };
    const want = await cold(log, until);
    // Damaged, it is not used: the chain of edits gives the same answer, from the last
    // checkpoint as from its own.
    const file = join(cache, tail.file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/"trucks":(\d+)/, '"trucks":1$1'));
    expect(await cached(log, until)).toBe(want);
    expect(await cached(log, { until: last.seq })).toBe(await cold(log, { until: last.seq }));
    // Forged with every hash made to match, it is believed: so it is the file read, for a query
    // from it and for one from the last checkpoint.
    forgeTail(index, tail, () => text.replaceAll(/"trucks":(\d+)/g, '"trucks":77$1'));
    expect(JSON.parse(await cached(log, until)).report.aid.trucks).not.toBe(
      JSON.parse(want).report.aid.trucks,
    );
    // From the last checkpoint, the tail is read and the last one's edits applied to it: what
    // they do not change (the title) is the forged file's.
    const titled = text.replace('"title":"Cache test"', '"title":"Forged title"');
    expect(titled).not.toBe(text);
    forgeTail(index, tail, () => titled);
    const fromLast = { until: last.seq };
    expect(JSON.parse(await cached(log, fromLast)).report.title).toBe('Forged title');
    expect(JSON.parse(await cold(log, fromLast)).report.title).toBe('Cache test');
    // An append moves the end: the tail follows the checkpoint before the last, the old one is
    // swept.
    rmSync(cache, { recursive: true });
    await cached(log);
    appendFileSync(log, aidLog(7, n + 1));
    expect(await cached(log)).toBe(await cold(log));
    const now = readIndex();
    const before = now.checkpoints.at(-2) as IndexSeen['checkpoints'][number];
    expect(now.tails.map((t) => t.seq)).toEqual(before.from === null ? [] : [before.seq]);
    expect(readdirSync(cache).filter((name) => name.startsWith('tail-')).length).toBe(
      now.tails.length,
    );
  });

  it('given an index an older truce wrote, with the whole states of both last checkpoints, then a query from either reads its own, and the next checkpoint leaves one', async () => {
    // A log length whose last checkpoint holds edits.
    for (let n = 31; n < 50; n++) {
      writeFileSync(log, aidLog(n));
      await cached(log);
      if (readIndex().checkpoints.at(-1)?.from !== null) break;
      rmSync(cache, { recursive: true });
    }
    const index = readIndex();
    const [before, last] = index.checkpoints.slice(-2) as IndexSeen['checkpoints'];
    if (before === undefined || last === undefined) throw new Error('two checkpoints expected');
    // The older truce's second tail, written as it wrote tails, listed in the index.
    const { replayer } = await replayLog(log, { until: last.seq });
    const access: CacheAccess = { dir: cache, fs: nodeFs, note: () => {} };
    const mark = (await readCacheIndex(access))?.checkpoints.at(-1);
    if (mark === undefined) throw new Error('no checkpoint read');
    const written = await writeCacheCheckpoint(
      access,
      {
        seq: mark.seq,
        bytes: mark.bytes,
        hash: mark.hash,
        from: null,
        replay: replayer.snapshot(),
      },
      true,
    );
    if (written === undefined) throw new Error('tail not written');
    const older = { seq: last.seq, file: written.file, fileHash: written.fileHash };
    index.tails = [...index.tails, { ...older, size: written.size } as IndexSeen['tails'][number]];
    writeIndex(index);
    const { opened, watching } = watchOpens();
    const cut = { until: last.seq };
    expect(await cached(log, cut, { fs: watching })).toBe(await cold(log, cut));
    expect(opened.filter((name) => name.startsWith('tail-') || /^\d+-/.test(name))).toEqual([
      written.file,
    ]);
    // Three more events, one more checkpoint: one tail, for the checkpoint before the new last.
    appendFileSync(log, aidLog(3, last.seq + 1));
    expect(await cached(log)).toBe(await cold(log));
    const now = readIndex();
    expect(now.tails.length).toBeLessThanOrEqual(1);
    expect(now.tails.every((t) => t.seq === now.checkpoints.at(-2)?.seq)).toBe(true);
  });

  /** The value at a path of keys and indexes (the test's own walk, not the cache's). */
  const at = (value: unknown, path: Array<string | number>): unknown =>
    path.reduce<unknown>((v, step) => (v as Record<string | number, unknown>)[step], value);

  /** A generated deal with proposals (whose terms the machine and the projection both keep). */
  function dealWithProposals(): void {
    writeGenerated(log, 400, 7);
  }

  interface WholeSeen {
    replay: { machine: unknown; projection: unknown };
    shared: Array<[Array<string | number>, Array<string | number>]>;
  }

  it('given a tail whose projection keeps the terms the machine holds, then they are written once and read back shared, the state that of a replay without the cache', async () => {
    dealWithProposals();
    await cached(log);
    const index = readIndex();
    const access: CacheAccess = { dir: cache, fs: nodeFs, note: () => {} };
    const read = await readCacheIndex(access);
    const verified = read?.checkpoints ?? [];
    let linked = 0;
    expect(index.tails.length).toBeGreaterThan(0);
    for (const tail of index.tails) {
      const text = readFileSync(join(cache, tail.file), 'utf8');
      const file = JSON.parse(text) as WholeSeen;
      // Written once: the projection's place is null in the file, the machine's holds the object.
      for (const [from, to] of file.shared) {
        expect(at(file.replay, to)).toBeNull();
        expect(typeof at(file.replay, from)).toBe('object');
      }
      const i = verified.findIndex((c) => c.seq === tail.seq);
      const loaded = await loadCheckpointState(access, verified, i, read?.tails);
      if (!loaded.ok) throw new Error(`tail ${tail.file} not read`);
      // The oracle: the snapshot of a replay without the cache, cut at the checkpoint's seq.
      const { replayer } = await replayLog(log, { until: tail.seq });
      const want = JSON.stringify(replayer.snapshot());
      expect(JSON.stringify(loaded.replay)).toBe(want);
      // Read back shared, as the replay holds them.
      for (const [from, to] of file.shared) {
        expect(at(loaded.replay, to)).toBe(at(loaded.replay, from));
        linked++;
      }
      expect(JSON.stringify(file.replay).length).toBeLessThan(want.length);
      // The same state through the chain of edits from the whole state before it.
      const chain = await loadCheckpointState(access, verified, i, []);
      expect(chain.ok && JSON.stringify(chain.replay)).toBe(want);
      // The checkpoint after it (the last): the tail with its edits applied by copying what they
      // go through, so the objects no edit reached are still shared, and the tail's own state,
      // loaded again, is as it was.
      const next = verified[i + 1];
      if (next === undefined || next.from === null) continue;
      const after = await loadCheckpointState(access, verified, i + 1, read?.tails);
      if (!after.ok) throw new Error(`checkpoint ${next.file} not read after the tail`);
      const { replayer: later } = await replayLog(log, { until: next.seq });
      expect(JSON.stringify(after.replay)).toBe(JSON.stringify(later.snapshot()));
      let stillShared = 0;
      for (const [from, to] of file.shared) {
        const [machine, projection] = [at(after.replay, from), at(after.replay, to)];
        // An object edited since is the machine's own copy; one not edited is the same object.
        if (JSON.stringify(machine) === JSON.stringify(at(loaded.replay, from))) {
          expect(projection).toBe(machine);
          stillShared++;
        }
      }
      expect(stillShared).toBeGreaterThan(0);
    }
    expect(linked).toBeGreaterThan(0);
  });

  it('given entries of the long lists replaced after the checkpoint before the last (before and after the last one), then its tail is the state of a replay cut there', async () => {
    const events = [...generatedLog({ events: 700, seed: 7 })];
    const access: CacheAccess = { dir: cache, fs: nodeFs, note: () => {} };
    /** The lists' entries below their length in `tail`, as there in `before`, that `after` changed. */
    const replaced = (tail: ReplaySnapshot, before: ReplaySnapshot, after: ReplaySnapshot) => {
      let count = 0;
      const lists = (state: ReplaySnapshot) =>
        state.projection as unknown as Record<string, unknown[] | undefined>;
      for (const [name, items] of Object.entries(lists(tail))) {
        if (!Array.isArray(items)) continue;
        for (let i = 0; i < items.length; i++) {
          const was = JSON.stringify(lists(before)[name]?.[i]);
          const unchanged = JSON.stringify(items[i]) === was;
          if (unchanged && was !== JSON.stringify(lists(after)[name]?.[i])) count++;
        }
      }
      return count;
    };
    let beforeLast = 0;
    let afterLast = 0;
    for (let n = 612; n <= 630; n++) {
      rmSync(cache, { recursive: true, force: true });
      writeFileSync(log, toJsonl(events.slice(0, n)));
      await cached(log);
      const read = await readCacheIndex(access);
      const verified = read?.checkpoints ?? [];
      const [tail] = read?.tails ?? [];
      const last = verified.at(-1);
      if (last === undefined) throw new Error(`no checkpoint at ${n} events`);
      // A checkpoint before the last that holds a whole state needs no tail.
      if (tail === undefined) {
        expect(verified.at(-2)?.from).toBeNull();
        continue;
      }
      expect(verified.at(-2)?.seq).toBe(tail.seq);
      const loaded = await loadCheckpointState(access, verified, verified.length - 2, read?.tails);
      if (!loaded.ok) throw new Error(`tail ${tail.file} not read`);
      // The oracle: replays without the cache, cut at the tail, at the last checkpoint, at the end.
      const at = async (until: number) => (await replayLog(log, { until })).replayer.snapshot();
      const want = await at(tail.seq);
      expect(JSON.stringify(loaded.replay)).toBe(JSON.stringify(want));
      const atLast = await at(last.seq);
      beforeLast += replaced(want, want, atLast);
      afterLast += replaced(want, atLast, await at(n));
    }
    // Both kinds of replacement the tail must undo came up.
    expect(beforeLast).toBeGreaterThan(0);
    expect(afterLast).toBeGreaterThan(0);
  });

  /**
   * The test's own search for what a state's projection shares with its machine: every object
   * of the machine by the first place JSON writes it, then the projection walked, each object
   * found there a link (and not looked into), wherever it is.
   */
  function sharedBySearch(state: ReplaySnapshot): Array<[Path, Path]> {
    const first = new Map<object, Path>();
    const note = (value: unknown, path: Path) => {
      if (typeof value !== 'object' || value === null || first.has(value)) return;
      first.set(value, path);
      for (const [key, item] of Object.entries(value)) {
        note(item, [...path, Array.isArray(value) ? Number(key) : key]);
      }
    };
    note(state.machine, ['machine']);
    const links: Array<[Path, Path]> = [];
    const look = (value: unknown, path: Path) => {
      if (typeof value !== 'object' || value === null) return;
      const from = first.get(value);
      if (from !== undefined && path.length > 1) links.push([from, path]);
      else {
        for (const [key, item] of Object.entries(value)) {
          look(item, [...path, Array.isArray(value) ? Number(key) : key]);
        }
      }
    };
    look(state.projection, ['projection']);
    return links;
  }
  type Path = Array<string | number>;

  it("given a long generated deal, then a whole state's shared objects are all those a search of the whole state finds, at every kind of place", async () => {
    writeFileSync(log, toJsonl([...generatedLog({ events: 4_000, seed: 7 })]));
    const states: ReplaySnapshot[] = [];
    const { replayer } = await replayLog(log, {
      onEvent: ({ event }, r) => {
        if (event.seq % 500 === 0) states.push(r.snapshot());
      },
    });
    states.push(replayer.snapshot());
    const kinds = new Set<string>();
    for (const state of states) {
      const before = JSON.stringify(state);
      const { shared, replay } = sharedOf(state);
      expect(shared).toEqual(sharedBySearch(state));
      for (const [, to] of shared) kinds.add(String(to[1]));
      // The state given is left as it was; the one to write has null at each shared place.
      expect(JSON.stringify(state)).toBe(before);
      for (const [, to] of shared) expect(at(replay, to)).toBeNull();
    }
    // Both places the folds put the machine's objects: a proposal's terms, a phase's parts.
    expect([...kinds].sort()).toEqual(['proposals', 'terms']);
  });

  it('given a tail whose shared links are forged (hashes made to match), then it is not used, never a wrong answer', async () => {
    dealWithProposals();
    await cached(log);
    type Link = WholeSeen['shared'][number];
    const forgeries: Record<string, (file: WholeSeen) => void> = {
      'a place that is not null': (file) => {
        (file.shared[0] as Link)[1] = ['projection', 'seq'];
      },
      'a place that is not there': (file) => {
        (file.shared[0] as Link)[1] = ['projection', 'nowhere', 3];
      },
      'an object from outside the machine': (file) => {
        (file.shared[0] as Link)[0] = ['projection', 'parties'];
      },
      'a link to nothing': (file) => {
        (file.shared[0] as Link)[0] = ['machine', 'no such key'];
      },
      'a link that is not a pair of paths': (file) => {
        (file.shared as unknown[]).push([['machine', 'context']]);
      },
    };
    const pristine = readdirSync(cache).map((name) => [name, readFileSync(join(cache, name))]);
    for (const [forgery, apply] of Object.entries(forgeries)) {
      rmSync(cache, { recursive: true });
      mkdirSync(cache);
      for (const [name, bytes] of pristine) {
        writeFileSync(join(cache, name as string), bytes as Buffer);
      }
      const index = readIndex();
      const tail = index.tails.at(-1) as IndexSeen['tails'][number];
      const file = JSON.parse(readFileSync(join(cache, tail.file), 'utf8')) as WholeSeen;
      expect(file.shared.length).toBeGreaterThan(0);
      apply(file);
      const forged = JSON.stringify(file);
      writeFileSync(join(cache, tail.file), forged);
      tail.fileHash = sha256(Buffer.from(forged));
      tail.size = Buffer.byteLength(forged);
      writeIndex(index);
      const notes: string[] = [];
      const cut = { until: tail.seq + 1 };
      const got = await cached(log, cut, { note: (m) => notes.push(m) });
      expect(got, forgery).toBe(await cold(log, cut));
      expect(notes.join('\n'), forgery).toContain(`checkpoint ${tail.file} does not match`);
    }
  });

  const damages: Record<string, (file: string) => void> = {
    truncated: (file) => writeFileSync(file, readFileSync(file).subarray(0, 40)),
    garbage: (file) => writeFileSync(file, '\u0000\u00ff not json at all'),
    empty: (file) => writeFileSync(file, ''),
    'another version': (file) =>
      writeFileSync(file, readFileSync(file, 'utf8').replace(/"version":\d+/, '"version":7')),
    'a replay of another shape (an older truce)': (file) => {
      // Checksummed again: only the shape tells this index from one this truce wrote.
      let index: { shape?: string; checksum?: string };
      try {
        index = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        return; // the ids file: not JSON
      }
      if (index.shape === undefined) return;
      index.shape = 'a'.repeat(64);
      delete index.checksum;
      index.checksum = sha256(Buffer.from(JSON.stringify(index)));
      writeFileSync(file, JSON.stringify(index));
    },
    'another replay-snapshot version': (file) =>
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .replace(/"replayVersion":\d+/, '"replayVersion":99')
          .replace(/"truce-replay-snapshot","version":\d+/, '"truce-replay-snapshot","version":99'),
      ),
    'a changed figure': (file) =>
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .replaceAll(/"trucks":(\d+)/g, '"trucks":1$1')
          .replace(/"maxAt":(\d+)/, '"maxAt":1$1'),
      ),
    'a folder': (file) => {
      rmSync(file);
      mkdirSync(file);
    },
    'grown to a sparse 80 MB': (file) => truncateSync(file, 80 * 1024 * 1024),
    'a symbolic link to a valid copy elsewhere': (file) => {
      const elsewhere = join(dir, `elsewhere-${Math.random()}`);
      writeFileSync(elsewhere, readFileSync(file));
      rmSync(file);
      symlinkSync(elsewhere, file);
    },
  };

  it("given cache files not of the size the index lists (grown, sparse), then none is read: each is noted so, the answer is the replay's", async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    const { checkpoints, ids, tails } = readIndex();
    expect(tails.length).toBeGreaterThan(0);
    const grown = [
      (tails[0] as IndexSeen['tails'][number]).file,
      ids.file,
      (checkpoints.at(-1) as IndexSeen['checkpoints'][number]).file,
    ];
    for (const name of grown) truncateSync(join(cache, name), 1024 * 1024 * 1024);
    // An event more: the ids are needed to check its id, the tail to start from.
    appendFileSync(log, aidLog(1, 21));
    const notes: string[] = [];
    expect(await cached(log, {}, { note: (m) => notes.push(m) })).toBe(await cold(log));
    for (const name of grown.slice(0, 2)) {
      expect(notes).toContain(
        `${name} of the checkpoint cache is not of the size it should be; it is not used`,
      );
    }
    // The index, grown past any a log could need (64 MiB), is not read either.
    truncateSync(join(cache, 'index.json'), INDEX_MAX_BYTES + 1);
    const more: string[] = [];
    expect(await cached(log, {}, { note: (m) => more.push(m) })).toBe(await cold(log));
    expect(more).toContain(
      'index.json of the checkpoint cache is not of the size it should be; it is not used',
    );
  });

  for (const [damage, apply] of Object.entries(damages)) {
    for (const which of ['index.json', 'a whole state', 'an edit', 'the ids'] as const) {
      it(`given ${which} damaged (${damage}), then it is ignored and rebuilt, never a wrong answer`, async () => {
        writeFileSync(log, aidLog(20));
        await cached(log);
        const { checkpoints, ids } = readIndex();
        const name =
          which === 'index.json'
            ? which
            : which === 'the ids'
              ? ids.file
              : (checkpoints.filter((c) => (c.from === null) === (which === 'a whole state'))[1]
                  ?.file as string);
        apply(join(cache, name));
        for (const cut of [{ until: 11 }, { until: 19 }, {}]) {
          expect(await cached(log, cut)).toBe(await cold(log, cut));
        }
        // The ids are read past the proven end: after an append, and with a repeated id.
        appendFileSync(log, aidLine(21, 'e21'));
        expect(await cached(log)).toBe(await cold(log));
        appendFileSync(log, aidLine(22, 'e7'));
        expect(await cached(log)).toBe(await cold(log));
        // A folder in the index's place stays (nothing is deleted there); the answers are right.
        if (damage !== 'a folder' || which !== 'index.json') {
          expect(readIndex().end.seq).toBe(21);
          // Rebuilt, not merely survived: an index of another shape is replaced.
          expect((readIndex() as { shape?: string }).shape).not.toBe('a'.repeat(64));
        }
      });
    }
  }

  it('given a checkpoint of another log with a valid schema, then it is not used', async () => {
    writeFileSync(log, aidLog(20));
    await cached(log);
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, aidLog(20).replaceAll('"region":"r"', '"region":"s"'));
    await cached(other);
    // The other log's cache put in this log's place.
    rmSync(cache, { recursive: true });
    spawnSync('cp', ['-r', cachePathOf(other), cache]);
    for (const cut of [{ until: 10 }, {}])
      expect(await cached(log, cut)).toBe(await cold(log, cut));
  });

  /** Node's file system, but a cache file's creation, write or rename fails after `ok` of them. */
  function fillingDisk(on: 'open' | 'write' | 'rename', ok: number): StoreFs {
    let calls = 0;
    const full = () => {
      if (++calls > ok)
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    const inCache = (path: string) => path.startsWith(cache);
    return {
      ...nodeFs,
      openSync: (path, flags, mode) => {
        if (on === 'open' && inCache(path)) full();
        return nodeFs.openSync(path, flags, mode);
      },
      openFd: async (path, flags, mode) => {
        if (on === 'open' && inCache(path)) full();
        return nodeFs.openFd(path, flags, mode);
      },
      writeSync: (fd, buffer, offset, length, position) => {
        if (on === 'write') full();
        return nodeFs.writeSync(fd, buffer, offset, length, position);
      },
      renameSync: (from, to) => {
        if (on === 'rename' && inCache(to)) full();
        nodeFs.renameSync(from, to);
      },
    };
  }

  for (const on of ['open', 'write', 'rename'] as const) {
    for (const ok of [0, 4]) {
      it(`given a disk that fills up while the cache is written (${on} fails after ${ok}), then the answers are right and no temp file is left`, async () => {
        writeFileSync(log, aidLog(40));
        const notes: string[] = [];
        const fs = fillingDisk(on, ok);
        expect(await cached(log, {}, { fs, note: (m) => notes.push(m) })).toBe(await cold(log));
        expect(notes.join('\n')).toContain('ENOSPC');
        expect(readdirSync(cache).filter((name) => name.endsWith('.tmp'))).toEqual([]);
        // What was written holds (or is rebuilt): queries through it answer right.
        for (const cut of [{ until: 5 }, { until: 17 }, { until: 33 }, {}]) {
          expect(await cached(log, cut)).toBe(await cold(log, cut));
        }
        expect(readIndex().end.seq).toBe(40);
        expect(readdirSync(cache).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      });
    }
  }

  it('given a folder that cannot be written, then it replays without a cache and says why once noted', async () => {
    writeFileSync(log, aidLog(12));
    const notes: string[] = [];
    const readOnly: StoreFs = {
      ...nodeFs,
      mkdir: async () => {
        throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
      },
      writeFile: async () => {
        throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
      },
    };
    const run = (cut: Cut) =>
      seen(() =>
        replayLogCached(log, {
          ...small,
          fs: readOnly,
          note: (m) => notes.push(m),
          ...cut,
        }),
      );
    expect(await run({})).toBe(await cold(log));
    expect(await run({ until: 7 })).toBe(await cold(log, { until: 7 }));
    expect(existsSync(cache)).toBe(false);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((note) => !note.includes('\n'))).toBe(true);
  });

  it('given the cache folder is a symbolic link, then nothing is read or written through it', async () => {
    writeFileSync(log, aidLog(12));
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, cache);
    expect(await cached(log)).toBe(await cold(log));
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('given a short log, then no cache is made beside it', async () => {
    writeFileSync(log, aidLog(40));
    expect(await seen(() => replayLogCached(log))).toBe(await cold(log));
    expect(existsSync(cache)).toBe(false);
  });

  it('given two replays building the cache at once, then both answer right and the cache stays whole', async () => {
    writeFileSync(log, aidLog(3_000));
    const want = await cold(log);
    const [a, b] = await Promise.all([cached(log), cached(log)]);
    expect([a, b]).toEqual([want, want]);
    expect(readIndex().end.seq).toBe(3_000);
    rmSync(cache, { recursive: true });
    // Two processes at once, from nothing: each writes the same checkpoints and an index.
    const children = [1, 2].map(() =>
      spawn(process.execPath, [truceBin, 'replay', log, '--json', '--until', '2500']),
    );
    const codes = await Promise.all(
      children.map((child) => new Promise((resolve) => child.on('exit', resolve))),
    );
    expect(codes).toEqual([0, 0]);
    expect(readIndex().end.seq).toBe(2_500);
    for (const until of [2_500, 2_999, 1_100]) {
      expect(await cached(log, { until })).toBe(await cold(log, { until }));
    }
  });

  it('with --no-cache, a cache that would lie is never read, and none is written', () => {
    writeFileSync(log, aidLog(10_000));
    const first = spawnSync(process.execPath, [truceBin, 'replay', log, '--json', '--no-cache'], {
      encoding: 'utf8',
    });
    expect(first.status).toBe(0);
    expect(existsSync(cache)).toBe(false);
    // Build a cache, then forge it: a checkpoint whose figures lie, with every hash made to match.
    expect(
      spawnSync(process.execPath, [truceBin, 'status', log], { encoding: 'utf8' }).status,
    ).toBe(0);
    const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8'));
    const mark = index.checkpoints[1];
    const file = join(cache, mark.file);
    // A whole state or the edits since the one before: either way its trucks are made up.
    const forged = readFileSync(file, 'utf8')
      .replaceAll(/"trucks":(\d+)/g, '"trucks":77$1')
      .replaceAll(/"trucks"\],(\d+)/g, '"trucks"],77$1');
    writeFileSync(file, forged);
    mark.fileHash = sha256(Buffer.from(forged));
    mark.size = Buffer.byteLength(forged);
    writeIndex(index);
    const until = String(mark.seq + 1);
    const run = (...extra: string[]) =>
      JSON.parse(
        spawnSync(
          process.execPath,
          [truceBin, 'replay', log, '--json', '--until', until, ...extra],
          {
            encoding: 'utf8',
          },
        ).stdout,
      ).aid.trucks;
    const truth = run('--no-cache');
    let sum = 0;
    for (let seq = 2; seq <= Number(until); seq++) sum += seq;
    expect(truth).toBe(sum);
    // The forgery is good enough to be believed (our own format, every hash made to match)…
    expect(run()).not.toBe(sum);
    // …so --no-cache giving the truth shows it never read it.
  });
});

/** A cut at event k: by seq, or by the instant of event k's `at`. */
function cutOf(events: readonly TruceEvent[], k: number, byTime: boolean): Cut {
  if (!byTime || events.length === 0) return { until: Math.max(1, k) };
  const event = events[Math.min(k, events.length - 1)] as TruceEvent;
  return { at: new Date(Date.parse(event.at)).toISOString() };
}
