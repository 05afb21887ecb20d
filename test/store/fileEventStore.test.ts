import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../cli/run.js';
import { IdIndex, readLog, StoreError, ValidationError } from '../../events/index.js';
import { Replayer, replayLog } from '../../replay/index.js';
import {
  decodeLockInfo,
  FileEventStore,
  idsField,
  nodeFs,
  type StoreFs,
} from '../../store/index.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { readAll, storeContract } from './contract.js';
import { aid, illegal, opened } from './fixtures.js';

storeContract('JSONL file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'truce-store-'));
  return {
    store: new FileEventStore(join(dir, 'log.jsonl'), { warn: () => undefined }),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

let dir: string;
let log: string;
let warnings: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-file-'));
  log = join(dir, 'deal.jsonl');
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

const open = (options: ConstructorParameters<typeof FileEventStore>[1] = {}) =>
  new FileEventStore(log, { warn: (m) => warnings.push(m), ...options });

describe('FileEventStore', () => {
  it('writes exactly log format v1: one JSON object per line, seq first, each line ending in \\n', async () => {
    await open().append([opened(), aid('a1')]);
    const text = readFileSync(log, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      '{"seq":2,"id":"a1","type":"aid.delivered","at":"2023-11-24T10:00:00Z","data":{"region":"south","trucks":10},"source":{"name":"UN","confidence":"reported"}}',
    );
    const entries = [];
    for await (const entry of readLog(log)) entries.push(entry.event.id);
    expect(entries).toEqual(['open', 'a1']);
  });

  it('tells how far it replays a log it has no sidecar for: every event in order, the last at the byte where the log ended', async () => {
    await open().append([opened(), ...Array.from({ length: 9 }, (_, i) => aid(`a${i}`))]);
    rmSync(`${log}.snapshot.json`, { force: true });
    const text = readFileSync(log, 'utf8');
    // Where each line ends, counted from the file itself.
    const ends: number[] = [];
    let end = 0;
    for (const line of text.split('\n').slice(0, -1)) {
      end += Buffer.byteLength(line) + 1;
      ends.push(end);
    }
    const told: Array<[number, number]> = [];
    const store = open({ onProgress: (seq, bytes) => told.push([seq, bytes]) });
    expect(await store.append([aid('b1')])).toMatchObject({ seqs: [11], written: 1 });
    expect(told).toEqual(ends.map((bytes, i) => [i + 1, bytes]));
    // The store's own state is current now: the next append replays nothing.
    told.length = 0;
    await store.append([aid('b2')]);
    expect(told).toEqual([]);
  });

  it('keeps unknown fields of an appended event', async () => {
    await open().append([{ ...opened(), note: 'kept' } as never]);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ note: 'kept' });
  });

  it('given a log written by another store, when a new store opens it, then it continues the seqs', async () => {
    await open().append([opened(), aid('a1')]);
    expect(await open().append([aid('a2')])).toEqual({ seqs: [3], written: 1, head: 3 });
    expect(await open().append([aid('a1')])).toEqual({ seqs: [2], written: 0, head: 3 });
  });

  it('given a store whose cache is stale because another store appended, then it still checks against the whole log', async () => {
    const a = open();
    const b = open();
    await a.append([opened()]);
    await b.append([aid('b1')]);
    await expect(a.append([aid('x')], { expectedVersion: 1 })).rejects.toMatchObject({ actual: 2 });
    expect(await a.append([aid('b1')])).toMatchObject({ seqs: [2], written: 0 });
  });

  it('given a torn last line, when the log is opened for an append, then the line is moved aside with a warning and the append follows the last whole event', async () => {
    await open().append([opened(), aid('a1')]);
    const whole = readFileSync(log, 'utf8');
    writeFileSync(log, `${whole}{"seq":3,"id":"a2","type":"aid.deliv`);
    const store = open();
    expect(await store.head()).toBe(2);
    expect((await readAll(store)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await store.append([aid('a3')])).toEqual({ seqs: [3], written: 1, head: 3 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /line 3 was torn .*moved its 36 bytes to .*deal\.jsonl\.torn-.* repaired the log to its last whole event \(seq 2\)/,
    );
    const side = readdirSync(dir).find((name) => name.startsWith('deal.jsonl.torn-')) as string;
    expect(readFileSync(join(dir, side), 'utf8')).toBe('{"seq":3,"id":"a2","type":"aid.deliv');
    await expect(replayLog(log)).resolves.toMatchObject({ events: 3 });
  });

  it('given a whole last event without its line end, then the append completes the line first', async () => {
    await open().append([opened()]);
    writeFileSync(log, readFileSync(log, 'utf8').trimEnd());
    await open().append([aid('a1')]);
    expect(readFileSync(log, 'utf8').split('\n')).toHaveLength(3);
    expect(warnings).toEqual([]);
  });

  it('given a bad line in the middle of the log, then an append refuses with its line and field', async () => {
    await open().append([opened(), aid('a1'), aid('a2')]);
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[1] = (lines[1] as string).replace('"trucks":10', '"trucks":-1');
    writeFileSync(log, lines.join('\n'));
    const before = readFileSync(log);
    const error = await open()
      .append([aid('a3')])
      .catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/deal\.jsonl: line 2 .*data\.trucks/);
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('a rejected event leaves the file byte for byte as it was', async () => {
    await open().append([opened(), aid('a1')]);
    const before = readFileSync(log);
    await expect(open().append([aid('a2'), illegal('x')])).rejects.toThrow(/rejected in state/);
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  describe('snapshot sidecar', () => {
    it('is written once enough events lie past it and lets an append replay only the tail', async () => {
      const store = open({ snapshotEvery: 10 });
      await store.append([opened()]);
      for (let i = 0; i < 12; i++) await store.append([aid(`a${i}`)]);
      const snapshot = JSON.parse(readFileSync(`${log}.snapshot.json`, 'utf8'));
      expect(snapshot).toMatchObject({ format: 'truce-store-snapshot', seq: 10 });
      expect(snapshot.ids).toHaveLength(10);
      expect(await open({ snapshotEvery: 10 }).append([aid('a3')])).toMatchObject({
        seqs: [5],
        written: 0,
      });
      // Break line 2 in place (same size, same inode): only a full replay would notice, and an
      // append that uses the snapshot replays lines 11-13 alone.
      const handle = await fsp.open(log, 'r+');
      const text = readFileSync(log, 'utf8');
      const at = text.indexOf('"trucks":10');
      await handle.write(Buffer.from('"trucks":-1'), 0, 11, Buffer.byteLength(text.slice(0, at)));
      await handle.close();
      expect(await open({ snapshotEvery: 10 }).append([aid('new')])).toMatchObject({ seqs: [14] });
      rmSync(`${log}.snapshot.json`);
      await expect(open().append([aid('new2')])).rejects.toThrow(/line 2 .*data\.trucks/);
    });

    it('is the compact JSON text of the state it covers, written in pieces', async () => {
      // A state of some size: 3,000 generated events, the sidecar written after the first 2,048.
      const events = [...generatedLog({ events: 3000, seed: 17 })];
      const store = open({ snapshotEvery: 2048 });
      for (let i = 0; i < events.length; i += 256) {
        await store.append(events.slice(i, i + 256).map(({ seq: _seq, ...rest }) => rest));
      }
      const text = readFileSync(`${log}.snapshot.json`, 'utf8');
      expect(text.length).toBeGreaterThan(100_000);
      const snapshot = JSON.parse(text);
      expect(text).toBe(JSON.stringify(snapshot));
      // The replay state of the first `seq` events, replayed apart.
      const seq = snapshot.seq as number;
      expect(seq).toBeGreaterThanOrEqual(2048);
      const replayer = new Replayer();
      for (const event of events.slice(0, seq)) replayer.apply(event);
      expect(JSON.stringify(snapshot.replay)).toBe(JSON.stringify(replayer.snapshot()));
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    });

    it('that cannot be written (a full disk) costs nothing but speed: the append is kept and no temp file is left', async () => {
      const sidecars = new Set<number>();
      const full: StoreFs = {
        ...nodeFs,
        openSync: (path, flags, mode) => {
          const fd = nodeFs.openSync(path, flags, mode);
          if (path.startsWith(`${log}.snapshot.json.`)) sidecars.add(fd);
          return fd;
        },
        writeSync: (fd, buffer, offset, length, position) => {
          if (sidecars.has(fd)) {
            throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          }
          return nodeFs.writeSync(fd, buffer, offset, length, position);
        },
      };
      const store = open({ snapshotEvery: 2, fs: full });
      expect(await store.append([opened(), aid('a1'), aid('a2')])).toMatchObject({
        seqs: [1, 2, 3],
      });
      expect(sidecars.size).toBeGreaterThan(0);
      expect(existsSync(`${log}.snapshot.json`)).toBe(false);
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(await open().append([aid('a2')])).toMatchObject({ seqs: [3], written: 0 });
    });

    it('is not trusted when the log no longer matches it: the log is replayed from the start', async () => {
      const store = open({ snapshotEvery: 2 });
      await store.append([opened(), aid('a1'), aid('a2')]);
      // The log is rewritten with other events of the same size: the last line's hash differs.
      const text = readFileSync(log, 'utf8').replaceAll('"a2"', '"b2"');
      await fsp.writeFile(`${log}.new`, text);
      await fsp.rename(`${log}.new`, log);
      expect(await open().append([aid('a2')])).toMatchObject({ seqs: [4], written: 1 });
      expect(await open().append([aid('b2')])).toMatchObject({ seqs: [3], written: 0 });
    });

    it('is ignored when it is garbage', async () => {
      await open({ snapshotEvery: 1 }).append([opened(), aid('a1')]);
      writeFileSync(`${log}.snapshot.json`, '{"format":"truce-store-snapshot","version":1,');
      expect(await open().append([aid('a1')])).toMatchObject({ seqs: [2], written: 0 });
    });

    it('that parses but breaks its schema (ids that are not strings) is ignored, so no id is written twice', async () => {
      await open({ snapshotEvery: 1 }).append([opened(), aid('a1')]);
      const path = `${log}.snapshot.json`;
      const snapshot = JSON.parse(readFileSync(path, 'utf8'));
      expect(snapshot.ids).toEqual(['open', 'a1']);
      writeFileSync(path, JSON.stringify({ ...snapshot, ids: [1, 2] }));
      expect(await open().append([aid('a1')])).toMatchObject({ seqs: [2], written: 0 });
      writeFileSync(path, JSON.stringify({ ...snapshot, bytes: String(snapshot.bytes) }));
      expect(await open().append([aid('a1')])).toMatchObject({ seqs: [2], written: 0 });
    });

    it('covering a truncated log is not used', async () => {
      await open({ snapshotEvery: 1 }).append([opened(), aid('a1'), aid('a2')]);
      const lines = readFileSync(log, 'utf8').split('\n');
      writeFileSync(log, `${lines.slice(0, 2).join('\n')}\n`);
      expect(await open().append([aid('a2')])).toMatchObject({ seqs: [3], written: 1 });
    });
  });

  describe('ids past the exact ones (compact in memory and in the sidecar)', () => {
    // Ids kept exactly up to 3: the rest are counting runs (a1, a2…) and fingerprints (x-…).
    const small = (options: ConstructorParameters<typeof FileEventStore>[1] = {}) =>
      open({ exactIds: 3, snapshotEvery: 1, ...options });
    const sidecar = () => JSON.parse(readFileSync(`${log}.snapshot.json`, 'utf8'));
    const stored = ['open', 'a1', 'x-b', 'a2', 'x-c', 'a3'];
    const fill = () => small().append(stored.map((id) => (id === 'open' ? opened() : aid(id))));

    it.each([
      ['a counting id (a run holds its number)', 'a2', 4],
      ['a fingerprinted id', 'x-c', 5],
      ['the first id (exact until the log grew past 3)', 'open', 1],
    ])(
      'given a log past its exact ids, when %s stored there is appended again, then its original seq is returned and nothing is written',
      async (_kind, id, seq) => {
        await fill();
        expect(Array.isArray(sidecar().ids)).toBe(false);
        const before = readFileSync(log);
        // From the sidecar (a new store), and from the state the store kept (the same one).
        const store = small();
        expect(await store.append([aid(id)])).toMatchObject({ seqs: [seq], written: 0 });
        expect(await store.append([aid('new1'), aid(id)])).toMatchObject({
          seqs: [7, seq],
          written: 1,
        });
        expect(readFileSync(log).subarray(0, before.length).equals(before)).toBe(true);
        expect(await small().append([aid(id), aid('new1')])).toMatchObject({
          seqs: [seq, 7],
          written: 0,
        });
        expect(readFileSync(log, 'utf8').split('\n')).toHaveLength(8);
      },
    );

    it('given more ids to place than are searched for one by one, then each gets its seq from the log', async () => {
      const many = Array.from(
        { length: 40 },
        (_, i) => `x-${String.fromCharCode(65 + (i % 26))}${'z'.repeat(i >> 4)}`,
      );
      await small().append([opened(), ...many.map((id) => aid(id))]);
      const before = readFileSync(log);
      const again = await small().append(many.map((id) => aid(id)));
      expect(again).toMatchObject({ written: 0, seqs: many.map((_, i) => i + 2) });
      expect(readFileSync(log).equals(before)).toBe(true);
    });

    /**
     * The sidecar with the fingerprint of `id` in the place of `victim`'s: `id` then shares a
     * fingerprint with an event of the log, though it is not in it.
     */
    const forgeFingerprint = (victim: string, id: string) => {
      const snapshot = sidecar();
      const forged = new IdIndex({ exactLimit: 0 });
      const lines = readFileSync(log, 'utf8').trim().split('\n').slice(0, snapshot.seq);
      lines.forEach((line, i) => {
        const stored = JSON.parse(line).id as string;
        forged.add(stored === victim ? id : stored, i + 1);
      });
      writeFileSync(`${log}.snapshot.json`, JSON.stringify({ ...snapshot, ids: idsField(forged) }));
    };

    it('given a new id whose fingerprint the sidecar holds for another id, then the log settles it: the event is appended', async () => {
      await fill();
      forgeFingerprint('x-b', 'zz-new');
      expect(await small().append([aid('zz-new')])).toMatchObject({ seqs: [7], written: 1 });
      const ids = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id);
      expect(ids).toEqual([...stored, 'zz-new']);
    });

    it('given lines written past the sidecar, then a new id sharing a fingerprint is replayed as new, and a repeated one is named with the line that first used it', async () => {
      await fill();
      forgeFingerprint('x-b', 'zz-tail');
      const line = (seq: number, id: string) => `${JSON.stringify({ seq, ...aid(id) })}\n`;
      writeFileSync(log, line(7, 'zz-tail'), { flag: 'a' });
      expect(await small().append([aid('after')])).toMatchObject({ seqs: [8], written: 1 });
      forgeFingerprint('x-b', 'zz-tail');
      writeFileSync(log, line(9, 'x-c'), { flag: 'a' });
      await expect(small().append([aid('later')])).rejects.toThrow(
        /line 9 .*"x-c" already used on line 5/,
      );
    });

    it('given a sidecar of version 1 (every id as a string), then it is ignored: the log is replayed and the answer is right', async () => {
      await open({ snapshotEvery: 1 }).append([opened(), aid('a1'), aid('a2')]);
      const snapshot = sidecar();
      expect(snapshot.version).toBe(2);
      // Were it trusted, a1 would be unknown and written twice.
      writeFileSync(
        `${log}.snapshot.json`,
        JSON.stringify({ ...snapshot, version: 1, ids: ['open', 'not-a1', 'a2'] }),
      );
      const before = readFileSync(log);
      expect(await open().append([aid('a1')])).toMatchObject({ seqs: [2], written: 0 });
      expect(readFileSync(log).equals(before)).toBe(true);
      expect(await open({ snapshotEvery: 1 }).append([aid('a3')])).toMatchObject({ seqs: [4] });
      expect(sidecar()).toMatchObject({ version: 2, ids: ['open', 'a1', 'a2', 'a3'] });
    });

    it('given a damaged compact sidecar (a fingerprint changed, or the hash), then it is ignored', async () => {
      await fill();
      const snapshot = sidecar();
      // Every fingerprint's first word changed (past the bits that say which slots are used).
      const { slots, used } = snapshot.ids.table;
      const table = Buffer.from(used, 'base64');
      for (let at = slots / 8; at < table.length; at += 8) table[at] = (table[at] as number) ^ 1;
      writeFileSync(
        `${log}.snapshot.json`,
        JSON.stringify({
          ...snapshot,
          ids: { ...snapshot.ids, table: { slots, used: table.toString('base64') } },
        }),
      );
      expect(await small().append([aid('x-b')])).toMatchObject({ seqs: [3], written: 0 });
      writeFileSync(
        `${log}.snapshot.json`,
        JSON.stringify({ ...snapshot, ids: { ...snapshot.ids, hash: '0'.repeat(64) } }),
      );
      expect(await small().append([aid('x-c')])).toMatchObject({ seqs: [5], written: 0 });
    });
  });

  describe('a writer that died holding the lock', () => {
    it('given a lock of a dead process recording the size before its write, then only its torn tail is moved aside: its whole events stay (issue 11, finding 2)', async () => {
      await open().append([opened()]);
      const size = readFileSync(log).length;
      // A dead writer's batch: one whole line (its retry with the same id is a no-op) and a torn one.
      const batch =
        '{"seq":2,"id":"ghost","type":"aid.delivered","at":"2023-11-24T10:00:00Z","data":{"region":"south","trucks":1}}\n{"seq":3,"id":"gh';
      writeFileSync(log, batch, { flag: 'a' });
      writeFileSync(
        `${log}.lock`,
        JSON.stringify({
          pid: deadPid(),
          host: (await import('node:os')).hostname(),
          nonce: 'dead',
          at: 'x',
          size,
        }),
      );
      // A reader does not trust a dead writer's size: it reads the whole event past it.
      expect(await open().head()).toBe(2);
      expect(await open().append([aid('ghost')])).toEqual({ seqs: [2], written: 0, head: 2 });
      expect(warnings[0]).toMatch(/line 3 was torn \(an interrupted write\); moved its 17 bytes/);
      expect(await open().append([aid('a1')])).toEqual({ seqs: [3], written: 1, head: 3 });
      expect((await readAll(open())).map((e) => e.id)).toEqual(['open', 'ghost', 'a1']);
      expect(existsSync(`${log}.lock`)).toBe(false);
    });

    it('given a live writer holding the lock, then a reader stops where that writer began', async () => {
      await open().append([opened()]);
      const size = readFileSync(log).length;
      writeFileSync(
        log,
        `${JSON.stringify({ seq: 2, id: 'pending', type: 'aid.delivered', at: '2023-11-24T10:00:00Z', data: { region: 's', trucks: 1 } })}\n`,
        { flag: 'a' },
      );
      writeFileSync(
        `${log}.lock`,
        JSON.stringify({ pid: process.pid, host: 'h', nonce: 'n', at: 'x', size }),
      );
      expect(await open().head()).toBe(1);
      expect((await readAll(open())).map((e) => e.id)).toEqual(['open']);
      await expect(open({ lock: { timeoutMs: 50 } }).append([aid('a1')])).rejects.toThrow(
        /cannot lock .*deal\.jsonl\.lock: held by process \d+ on h since x/,
      );
    });

    it('given a writer holding the lock for over a second, then a waiting append says so once', async () => {
      await open().append([opened()]);
      writeFileSync(
        `${log}.lock`,
        JSON.stringify({ pid: process.pid, host: 'h', nonce: 'n', at: 'x' }),
      );
      const warnings: string[] = [];
      const store = new FileEventStore(log, {
        lock: { timeoutMs: 1_500 },
        warn: (message) => warnings.push(message),
      });
      await expect(store.append([aid('a1')])).rejects.toThrow(/cannot lock/);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^waiting for .*deal\.jsonl: another append holds .*deal\.jsonl\.lock \(process \d+ on h since x\)$/,
        ),
      ]);
    });
  });

  describe("disk problems (injected through the store's file system)", () => {
    const failing = (code: string, on: 'write' | 'sync'): StoreFs => {
      // The log's descriptors (the store appends through descriptors, see StoreFs).
      const logs = new Set<number>();
      const fail = () => {
        throw Object.assign(new Error(`${code}: injected`), { code });
      };
      return {
        ...nodeFs,
        openSync: (path, flags, mode) => {
          const fd = nodeFs.openSync(path, flags, mode);
          if (path.endsWith('.jsonl')) logs.add(fd);
          return fd;
        },
        closeSync: (fd) => {
          logs.delete(fd);
          nodeFs.closeSync(fd);
        },
        writeSync: (fd, ...rest) =>
          on === 'write' && logs.has(fd) ? fail() : nodeFs.writeSync(fd, ...rest),
        fsync: async (fd) => (on === 'sync' && logs.has(fd) ? fail() : nodeFs.fsync(fd)),
      };
    };

    it.each([
      ['ENOSPC', 'write', /the disk is full/],
      ['EIO', 'sync', /an I\/O error/],
      ['EROFS', 'write', /read-only/],
    ] as const)(
      '%s on %s: a StoreError (exit 4) and the log unchanged',
      async (code, on, reason) => {
        await open().append([opened(), aid('a1')]);
        const before = readFileSync(log);
        const error = await open({ fs: failing(code, on) })
          .append([aid('a2')])
          .catch((e) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect(error.message).toMatch(reason);
        expect(error.message).toMatch(/nothing was appended and the log is unchanged/);
        expect(exitCodeOf(error)).toBe(4);
        expect(readFileSync(log).equals(before)).toBe(true);
        expect(existsSync(`${log}.lock`)).toBe(false);
        expect(await open().append([aid('a2')])).toMatchObject({ seqs: [3] });
      },
    );

    it('a failed first append leaves no log file behind', async () => {
      const error = await open({ fs: failing('ENOSPC', 'write') })
        .append([opened()])
        .catch((e) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(existsSync(log)).toBe(false);
    });

    it('a missing folder is an I/O error', async () => {
      const store = new FileEventStore(join(dir, 'nope', 'deal.jsonl'));
      await expect(store.append([opened()])).rejects.toThrow(
        /cannot lock .*: no such file \(the folder does not exist\)/,
      );
    });
  });

  describe('a burst of appends keeps the lock and the log (the lease)', () => {
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const lockOf = () => decodeLockInfo(readFileSync(`${log}.lock`, 'utf8'));

    it('between two appends the lock stays, recording the end of the acknowledged events; once idle it goes', async () => {
      const store = open();
      await store.append([opened()]); // creates the log: that append lets go at once
      expect(existsSync(`${log}.lock`)).toBe(false);
      for (let i = 0; i < 3; i++) {
        await store.append([aid(`a${i}`)]);
        // Still held right after the acknowledgement, and saying where readers may read to.
        expect(lockOf()).toMatchObject({ pid: process.pid, size: statSync(log).size });
      }
      await nextTurn();
      expect(existsSync(`${log}.lock`)).toBe(false);
      expect((await readAll(open())).map((e) => e.id)).toEqual(['open', 'a0', 'a1', 'a2']);
    });

    it('a writer kept waiting knocks, and gets the lock in the middle of a loop of appends', async () => {
      const burst = open();
      await burst.append([opened()]);
      let other: number | undefined;
      const waiting = open()
        .append([aid('other')])
        .then((result) => {
          other = result.seqs[0];
        });
      let appended = 0;
      // Without the knock the loop would hold the lock until its end (the cap).
      while (other === undefined && appended < 2_000) await burst.append([aid(`b${appended++}`)]);
      await waiting;
      expect(appended).toBeLessThan(2_000);
      const ids = (await readAll(open())).map((e) => e.id);
      expect(ids).toContain('other');
      expect(ids.indexOf('other')).toBeLessThan(ids.length - 1);
      await nextTurn();
      expect(readdirSync(dir).filter((name) => name.includes('.lock'))).toEqual([]);
    });

    // A waiting writer refreshes its knock at every look, so a knock dated a minute ago was left
    // by a writer that gave up or died, and one dated an hour ahead was made by no waiting writer
    // (a clock set back, a file touched by hand): either would make every append wait.
    it.each([
      ['dated a minute ago', -60_000],
      ['dated an hour ahead', 3_600_000],
    ])('a knock nobody refreshes (%s) is removed and does not end the lease', async (_, by) => {
      const store = open();
      await store.append([opened()]);
      await store.append([aid('a0')]); // the log existed: this append keeps the lock
      writeFileSync(`${log}.lock.wait`, 'waiting for the lock\n');
      const old = new Date(Date.now() + by);
      utimesSync(`${log}.lock.wait`, old, old);
      await store.append([aid('a1')]);
      expect(existsSync(`${log}.lock.wait`)).toBe(false);
      expect(lockOf()).toMatchObject({ pid: process.pid });
    });

    it('a lock removed by hand between two appends ends the lease: the next append takes a new one', async () => {
      const store = open();
      await store.append([opened()]);
      await store.append([aid('a0')]); // the log existed: this append keeps the lock
      const first = lockOf()?.nonce;
      rmSync(`${log}.lock`);
      await store.append([aid('a1')]);
      expect(lockOf()?.nonce).not.toBe(first);
      expect(await open().head()).toBe(3);
    });

    it('a log replaced under its name between two appends is appended to by its new file', async () => {
      const store = open();
      await store.append([opened()]);
      await store.append([aid('a1')]); // the log existed: this append keeps the lock
      const text = readFileSync(log, 'utf8');
      writeFileSync(`${log}.new`, text);
      (await import('node:fs')).renameSync(`${log}.new`, log);
      await store.append([aid('a2')]);
      expect((await readAll(open())).map((e) => e.id)).toEqual(['open', 'a1', 'a2']);
    });

    it('a process that exits with process.exit() right after an append leaves no lock behind', () => {
      const store = join(import.meta.dirname, '..', '..', 'dist', 'store', 'index.js');
      const script = `import { FileEventStore } from ${JSON.stringify(store)};
const s = new FileEventStore(process.argv[1]);
await s.append([${JSON.stringify(opened())}]);
process.exit(0);`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, log], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(readFileSync(log, 'utf8')).toMatch(/"id":"open"/);
      expect(existsSync(`${log}.lock`)).toBe(false);
    });
  });
});
