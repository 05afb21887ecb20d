/**
 * Attacks on the file store's lease and knock (a store appending in a loop keeps the lock and the
 * log open; a waiting writer knocks with `LOG.lock.wait`). Each attack checks what the log is
 * evidence of: every acknowledged event present exactly once, seqs gap-free, nothing written
 * into the wrong file. Real processes and real files; nothing is timed (the long waits are
 * safety nets against a hang, not speed claims).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLog, StoreError } from '../../events/index.js';
import {
  committedEnd,
  decodeLockInfo,
  encodeLockInfo,
  FileEventStore,
  FileLock,
  nodeFs,
  type StoreFs,
} from '../../store/index.js';
import { aid, opened } from './fixtures.js';

const children = join(import.meta.dirname, 'children');

let dir: string;
let log: string;
let warnings: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-lease-'));
  log = join(dir, 'deal.jsonl');
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (path = log, options: ConstructorParameters<typeof FileEventStore>[1] = {}) =>
  new FileEventStore(path, { warn: (m) => warnings.push(m), ...options });

/** Every event of the log at `path`, checked line by line (a torn or gapped log throws). */
async function eventsOf(path = log): Promise<{ id: string; seq: number }[]> {
  const events: { id: string; seq: number }[] = [];
  for await (const { event } of readLog(path)) events.push({ id: event.id, seq: event.seq });
  return events;
}

/** Asserts seqs 1…n in order and no id twice; returns the ids. */
function wholeLog(events: { id: string; seq: number }[]): string[] {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

interface Child {
  child: ChildProcessWithoutNullStreams;
  /** `ack ID SEQ` lines so far, as id → seq. */
  acked: Map<string, number>;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/** Starts children/leaseLoop.mjs (see there) with `cwd`, collecting its acknowledgements. */
function loop(
  path: string,
  prefix: string,
  count: number,
  mode: 'plain' | 'expect' = 'plain',
  cwd = dir,
): Child {
  const child = spawn(
    process.execPath,
    [join(children, 'leaseLoop.mjs'), path, prefix, String(count), mode],
    {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  ) as ChildProcessWithoutNullStreams;
  const acked = new Map<string, number>();
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') onReady();
    const [word, id, seq] = line.split(' ');
    if (word === 'ack') acked.set(id as string, Number(seq));
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, acked, ready, exited };
}

/** Every acknowledged id of `child` is in `ids` exactly once, at the seq it was told. */
function allAckedOnce(child: Child, events: { id: string; seq: number }[]): void {
  const seqOf = new Map(events.map((e) => [e.id, e.seq]));
  for (const [id, seq] of child.acked) expect(seqOf.get(id), id).toBe(seq);
}

/** Safety net for the process tests: a hang fails, a slow machine does not. */
const NET = 240_000;

describe('two processes appending in loops to one log', () => {
  for (const mode of ['plain', 'expect'] as const) {
    it(
      `by its name and by a symbolic link from another folder (${mode}): each gets its appends in while the other loops, every acknowledged event once, seqs gap-free`,
      async () => {
        await open().append([opened()]);
        const other = join(dir, 'elsewhere');
        mkdirSync(other);
        symlinkSync(log, join(other, 'link.jsonl'));
        // The holder loops until the other has made all its appends: the other can only finish
        // by getting the lock in the middle of the holder's loop (the knock).
        const holder = loop('deal.jsonl', 'h', 0, mode, dir);
        await holder.ready;
        // Let the holder's loop be under way (and so hold a lease) before the other starts.
        while (holder.acked.size < 5) await new Promise((resolve) => setTimeout(resolve, 10));
        const waiter = loop(
          join('..', 'elsewhere', 'link.jsonl'),
          'w',
          40,
          mode,
          join(dir, 'elsewhere'),
        );
        const done = await waiter.exited;
        expect(done.stderr).toBe('');
        expect(done.code).toBe(0);
        const before = holder.acked.size;
        holder.child.stdin.end();
        const end = await holder.exited;
        expect(end.stderr).toBe('');
        expect(end.code).toBe(0);
        const events = await eventsOf();
        const ids = wholeLog(events);
        expect(waiter.acked.size).toBe(40);
        allAckedOnce(holder, events);
        allAckedOnce(waiter, events);
        expect(ids).toHaveLength(1 + holder.acked.size + waiter.acked.size);
        // The waiter's appends fell inside the holder's loop, not after it: the holder was still
        // looping when the waiter was done (its stdin ends only then). With plain appends the
        // holder's append under way at that moment is acknowledged after the waiter's last; with
        // expected versions it may end in a conflict instead (the waiter moved the head), and the
        // holder stops without retrying, so only its count is known.
        expect(before).toBeGreaterThanOrEqual(5);
        if (mode === 'plain') {
          expect(Math.max(...waiter.acked.values())).toBeLessThan(
            Math.max(...holder.acked.values()),
          );
        }
        expect(existsSync(`${log}.lock`)).toBe(false);
        expect(existsSync(`${log}.lock.wait`)).toBe(false);
      },
      NET,
    );
  }

  it(
    'three loops of 60 appends at once, one by a relative path: all 180 acknowledged, once each',
    async () => {
      await open().append([opened()]);
      const loops = [
        loop(log, 'a', 60),
        loop('deal.jsonl', 'b', 60, 'expect'),
        loop(`./${relative(dir, log)}`, 'c', 60),
      ];
      const ends = await Promise.all(loops.map((l) => l.exited));
      for (const end of ends) expect(end).toMatchObject({ code: 0, stderr: '' });
      const events = await eventsOf();
      wholeLog(events);
      expect(events).toHaveLength(181);
      for (const l of loops) {
        expect(l.acked.size).toBe(60);
        allAckedOnce(l, events);
      }
    },
    NET,
  );
});

describe('a writer killed with SIGKILL', () => {
  it(
    'while holding a lease mid-loop: a waiting writer recovers the lock, and nothing acknowledged is lost',
    async () => {
      await open().append([opened()]);
      const holder = loop(log, 'h', 0);
      await holder.ready;
      while (holder.acked.size < 20) await new Promise((resolve) => setTimeout(resolve, 10));
      holder.child.kill('SIGKILL');
      expect((await holder.exited).signal).toBe('SIGKILL');
      // The killed holder's lock is left behind (no exit handler runs on SIGKILL).
      const store = open();
      const { seqs } = await store.append([aid('after')]);
      const events = await eventsOf();
      const ids = wholeLog(events);
      allAckedOnce(holder, events);
      expect(ids.at(-1)).toBe('after');
      expect(seqs).toEqual([events.length]);
    },
    NET,
  );

  it(
    'while knocking: its knock does not keep a lease holder letting go forever, nor block a new writer',
    async () => {
      await open().append([opened()]);
      // Hold the lock from this process, so a child's append waits and knocks.
      const { lock } = await FileLock.acquire(`${log}.lock`);
      const knocker = loop(log, 'k', 1);
      await knocker.ready;
      while (!existsSync(`${log}.lock.wait`))
        await new Promise((resolve) => setTimeout(resolve, 10));
      knocker.child.kill('SIGKILL');
      await knocker.exited;
      await lock.release();
      expect(existsSync(`${log}.lock.wait`)).toBe(true);
      // A loop of appends meets the dead knock at each one until it is no longer fresh (2 s),
      // and then removes it: every append goes through.
      const store = open();
      for (let i = 0; i < 40; i++) await store.append([aid(`a${i}`)]);
      // Whatever the loop took, the knock is left over once its time has passed.
      const old = new Date(Date.now() - 60_000);
      if (existsSync(`${log}.lock.wait`)) utimesSync(`${log}.lock.wait`, old, old);
      await store.append([aid('last')]);
      expect(existsSync(`${log}.lock.wait`)).toBe(false);
      const other = await open().append([aid('other')]);
      expect(other.seqs).toEqual([43]);
      wholeLog(await eventsOf());
    },
    NET,
  );
});

describe('a reader during a lease', () => {
  it(
    'sees a prefix of the log holding every event acknowledged before it began, and never a torn line',
    async () => {
      await open().append([opened()]);
      const holder = loop(log, 'h', 400);
      await holder.ready;
      let reads = 0;
      let exited = false;
      holder.exited.then(() => {
        exited = true;
      });
      const seen: string[][] = [];
      const before: Set<string>[] = [];
      while (!exited) {
        const known = new Set(holder.acked.keys());
        const ids: string[] = [];
        // readLog throws on a torn line or a gap: the committed size must stop before either.
        for await (const { event } of readLog(log, await committedEnd(log))) ids.push(event.id);
        seen.push(ids);
        before.push(known);
        reads++;
      }
      expect((await holder.exited).code).toBe(0);
      const final = wholeLog(await eventsOf());
      allAckedOnce(holder, await eventsOf());
      expect(final).toHaveLength(401);
      for (let r = 0; r < seen.length; r++) {
        const ids = seen[r] as string[];
        expect(final.slice(0, ids.length)).toEqual(ids);
        for (const id of before[r] as Set<string>) expect(ids).toContain(id);
      }
      expect(reads).toBeGreaterThan(0);
    },
    NET,
  );
});

describe('the lock or the log changed by hand while a lease is held', () => {
  /** A store holding a lease: the log existed before its last append. */
  async function leased(
    path = log,
    options: ConstructorParameters<typeof FileEventStore>[1] = {},
  ): Promise<FileEventStore> {
    const store = open(path, options);
    if (!existsSync(path)) await store.append([opened()]);
    await store.append([aid('a0')]);
    expect(existsSync(`${log}.lock`)).toBe(true);
    return store;
  }

  it(
    'a lock rewritten by hand to name another live writer: the next append waits for that writer, it does not write',
    async () => {
      const store = await leased(log, { lock: { timeoutMs: 300 } });
      const size = statSync(log).size;
      const theirs = decodeLockInfo(readFileSync(`${log}.lock`, 'utf8'));
      if (theirs === undefined) throw new Error('the lease holds no truce lock record');
      // Another writer's record (another nonce), as if that writer had taken the lock.
      writeFileSync(`${log}.lock`, encodeLockInfo({ ...theirs, nonce: 'ffffffffffffffff' }));
      const waiting = open(log, { lock: { timeoutMs: 300 } });
      const error = await store.append([aid('a1')]).catch((e) => e);
      // Both stores are told to give up after 300 ms rather than the default 30 s.
      expect(error).toBeInstanceOf(StoreError);
      expect(String(error.message)).toMatch(/cannot lock/);
      expect(statSync(log).size).toBe(size);
      await expect(waiting.append([aid('a2')])).rejects.toThrow(/cannot lock/);
      expect(statSync(log).size).toBe(size);
    },
    NET,
  );

  it('a log cut short by hand (its last event removed): the next append follows the cut, seqs stay gap-free', async () => {
    const store = await leased();
    await store.append([aid('a1')]);
    const text = readFileSync(log, 'utf8');
    const cut = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1);
    truncateSync(log, Buffer.byteLength(cut));
    await store.append([aid('a2')]);
    expect(wholeLog(await eventsOf())).toEqual(['open', 'a0', 'a2']);
    expect(readFileSync(log, 'utf8').includes('\0')).toBe(false);
  });

  it('a log cut in the middle of its last line: the torn bytes are moved aside and the next append follows the last whole event', async () => {
    const store = await leased();
    await store.append([aid('a1')]);
    truncateSync(log, statSync(log).size - 10);
    await store.append([aid('a2')]);
    expect(wholeLog(await eventsOf())).toEqual(['open', 'a0', 'a2']);
    expect(warnings.join('\n')).toMatch(/torn/);
  });

  it('a log rewritten in place (cp over it: same file, other events): the next append continues the new content', async () => {
    const store = await leased();
    for (let i = 1; i < 5; i++) await store.append([aid(`a${i}`)]);
    const other = join(dir, 'other.jsonl');
    const otherStore = open(other);
    await otherStore.append([opened('o-open'), aid('o1'), aid('o2')]);
    const ino = statSync(log).ino;
    writeFileSync(log, readFileSync(other)); // truncates and rewrites the same inode
    expect(statSync(log).ino).toBe(ino);
    const { seqs } = await store.append([aid('a5')]);
    expect(seqs).toEqual([4]);
    expect(wholeLog(await eventsOf())).toEqual(['o-open', 'o1', 'o2', 'a5']);
  });

  it('a log renamed away: the next append does not write into the renamed file', async () => {
    const store = await leased();
    const moved = join(dir, 'moved.jsonl');
    renameSync(log, moved);
    const before = readFileSync(moved, 'utf8');
    // The name now leads nowhere: a new log would start with this event, which the chart refuses.
    await expect(store.append([aid('a1')])).rejects.toThrow();
    expect(readFileSync(moved, 'utf8')).toBe(before);
    expect(existsSync(log)).toBe(false);
  });

  it('a log removed: the next append does not write into the removed file, and starts a new log only with a legal first event', async () => {
    const store = await leased();
    unlinkSync(log);
    await expect(store.append([aid('a1')])).rejects.toThrow();
    expect(existsSync(log)).toBe(false);
    await store.append([opened('new-open')]);
    expect(wholeLog(await eventsOf())).toEqual(['new-open']);
  });

  it('a symbolic link moved to another log: the next append goes to the file the link now names', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await open(a).append([opened('a-open')]);
    await open(b).append([opened('b-open')]);
    const link = join(dir, 'link.jsonl');
    symlinkSync(a, link);
    const store = open(link);
    await store.append([aid('x1')]);
    expect(existsSync(`${a}.lock`)).toBe(true);
    unlinkSync(link);
    symlinkSync(b, link);
    await store.append([aid('x2')]);
    expect(wholeLog(await eventsOf(a))).toEqual(['a-open', 'x1']);
    expect(wholeLog(await eventsOf(b))).toEqual(['b-open', 'x2']);
  });

  it('a folder renamed and a new log made at the old path: the next append goes to the new log only', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const path = join(sub, 'deal.jsonl');
    const store = open(path);
    await store.append([opened()]);
    await store.append([aid('a0')]);
    renameSync(sub, join(dir, 'old'));
    mkdirSync(sub);
    await open(path).append([opened('new-open')]);
    await store.append([aid('a1')]);
    expect(wholeLog(await eventsOf(join(dir, 'old', 'deal.jsonl')))).toEqual(['open', 'a0']);
    expect(wholeLog(await eventsOf(path))).toEqual(['new-open', 'a1']);
  });

  it('a second name (hard link) given to the log: the next append is refused, nothing written', async () => {
    const store = await leased();
    const size = statSync(log).size;
    linkSync(log, join(dir, 'second.jsonl'));
    await expect(store.append([aid('a1')])).rejects.toThrow(/hard links/);
    expect(statSync(log).size).toBe(size);
  });
});

describe('a writer that does not knock (as truce builds before the knock)', () => {
  /** The file system of a writer that cannot make `LOG.lock.wait`: it never knocks. */
  const silent: StoreFs = {
    ...nodeFs,
    openSync: ((path: string, ...rest: unknown[]) => {
      if (String(path).endsWith('.lock.wait')) {
        throw Object.assign(new Error('EACCES: no knocking'), { code: 'EACCES' });
      }
      return (nodeFs.openSync as (...args: unknown[]) => number)(path, ...rest);
    }) as StoreFs['openSync'],
  };

  it(
    'gets its appends in between bursts of a looping writer, and nothing is lost',
    async () => {
      await open().append([opened()]);
      const burst = open();
      const old = open(log, { fs: silent, lock: { timeoutMs: 600_000 } });
      const olds: Promise<unknown>[] = [];
      for (let i = 0; i < 10; i++) olds.push(old.append([aid(`old${i}`)]));
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 10; i++) await burst.append([aid(`new${round}-${i}`)]);
        // The loop turns to a timer: the store is idle and lets the lock go.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await Promise.all(olds);
      expect(existsSync(`${log}.lock.wait`)).toBe(false);
      const ids = wholeLog(await eventsOf());
      expect(ids).toHaveLength(111);
    },
    NET,
  );
});
