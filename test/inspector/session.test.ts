import { appendFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { LogSession, SOURCE_CHECKPOINTS } from '../../inspector/session.js';
import { replayLog } from '../../replay/index.js';
import { encodeLockInfo } from '../../store/lockRecord.js';
import type { LogSource } from '../../store/logSource.js';
import { generatedLog } from '../../testing/generator/generatedLog.js';
import { toJsonl } from '../properties/settings.js';
import { actorSteps, expectWindows, novemberLines, writeLog } from './fixtures.js';

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

describe('LogSession: a file read on from the bytes it has proven', () => {
  /** A fresh session's whole read of the file: the oracle for one that followed it. */
  async function fresh(file: string) {
    const session = new LogSession(file);
    await session.refresh();
    const { steps, problem } = session.view();
    session.close();
    return JSON.parse(JSON.stringify({ steps, problem }));
  }

  it('answers two asks for one report while it is replayed with the one replay', async () => {
    const lines = toJsonl([...generatedLog({ events: 300, seed: 23 })]).split(/(?<=\n)/);
    const session = new LogSession(writeLog(lines));
    await session.refresh();
    const [a, b] = await Promise.all([session.report(250), session.report(250)]);
    expect(a).toBeDefined();
    expect(a).toBe(b);
    session.close();
  });

  it('after an append reads only the new lines', async () => {
    const lines = toJsonl([...generatedLog({ events: 200, seed: 21 })]).split(/(?<=\n)/);
    const file = writeLog(lines.slice(0, 150));
    const read: number[] = [];
    const session = new LogSession(file, { onRead: (line) => read.push(line) });
    await session.refresh();
    expect(read).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    read.length = 0;
    appendFileSync(file, lines.slice(150, 153).join(''));
    await session.refresh();
    expect(read).toEqual([151, 152, 153]);
    expect(JSON.parse(JSON.stringify(session.view().steps))).toEqual((await fresh(file)).steps);
    session.close();
  });

  // Each edit is something a log file meets: appends (a legal event, one the statechart refuses,
  // a repeated id, a line without its newline, a blank line), a line rewritten in place with its
  // length kept, the last line cut off. After each, the session that followed the file shows
  // what a new session reading it whole shows.
  test.prop(
    [
      fc.array(
        fc.record({
          kind: fc.constantFrom(
            'append',
            'append',
            'append',
            'refused',
            'repeat',
            'noNewline',
            'blank',
            'rewrite',
            'cut',
            'complete',
          ),
          at: fc.nat(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    ],
    {
      numRuns: 60,
      // A line without its newline and then a line after it; a refused line read again.
      examples: [
        [
          [
            { kind: 'noNewline', at: 0 },
            { kind: 'append', at: 0 },
          ],
        ],
        [
          [
            { kind: 'refused', at: 0 },
            { kind: 'blank', at: 0 },
          ],
        ],
      ],
    },
  )('shows after every edit what a whole read shows', async (edits) => {
    const all = toJsonl([...generatedLog({ events: 80, seed: 5 })]).split(/(?<=\n)/);
    let next = 30;
    const file = writeLog(all.slice(0, next));
    const session = new LogSession(file);
    await session.refresh();
    try {
      for (const { kind, at } of edits) {
        const text = readFileSync(file, 'utf8');
        if (kind === 'append' && next < all.length) appendFileSync(file, all[next++] as string);
        else if (kind === 'refused') {
          const last = JSON.parse(all[next - 1] as string);
          appendFileSync(
            file,
            `${JSON.stringify({ seq: last.seq + 1, id: `x-${next}`, type: 'phase.completed', at: last.at, data: { phase: 99 } })}\n`,
          );
        } else if (kind === 'repeat') {
          const first = JSON.parse(all[0] as string);
          const last = JSON.parse(all[next - 1] as string);
          appendFileSync(file, `${JSON.stringify({ ...first, seq: last.seq + 1, at: last.at })}\n`);
        } else if (kind === 'noNewline' && next < all.length) {
          appendFileSync(file, (all[next++] as string).trimEnd());
        } else if (kind === 'complete' && !text.endsWith('\n')) appendFileSync(file, '\n');
        else if (kind === 'blank') appendFileSync(file, '\n');
        else if (kind === 'rewrite') {
          // One digit of one line's instant changed, the file's length kept.
          const lines = text.split(/(?<=\n)/);
          const i = at % lines.length;
          lines[i] = (lines[i] as string).replace(/T(\d)/, (_, d) => `T${(Number(d) + 1) % 2}`);
          writeFileSync(file, lines.join(''));
        } else if (kind === 'cut') {
          writeFileSync(file, text.slice(0, Math.max(0, text.length - 1 - (at % 40))));
        }
        await session.refresh();
        const shown = JSON.parse(JSON.stringify(session.view()));
        const whole = await fresh(file);
        expect({ kind, steps: shown.steps, problem: shown.problem }).toEqual({ kind, ...whole });
        // And what the replay engine, with its own reader, makes of the file: as many events,
        // or the same first problem in the same words.
        const replayed = await replayLog(file).then(
          (outcome) => ({ events: outcome.events, problem: null }),
          (error: Error) => ({ events: undefined, problem: error.message }),
        );
        expect({ kind, problem: shown.problem?.message ?? null }).toEqual({
          kind,
          problem: replayed.problem,
        });
        if (replayed.events !== undefined) expect(shown.steps).toHaveLength(replayed.events);
      }
    } finally {
      session.close();
    }
  });
});

describe('LogSession: a log read from a source (a PostgreSQL stream)', () => {
  /** A source holding `text`, as a stream's `logSource()` gives its lines. */
  const sourceOf = (text: string): LogSource => ({
    name: 'stream generated',
    chunks: async function* () {
      yield Buffer.from(text);
    },
    watch: async () => async () => undefined,
  });

  it('keeps a bounded number of replay states, twice as far apart each time it thins them, and every report is what replay gives', async () => {
    const text = toJsonl([...generatedLog({ events: 300, seed: 11 })]);
    for (const [every, kept] of [
      [1, 4],
      [3, 5],
      [64, SOURCE_CHECKPOINTS],
    ] as const) {
      const session = new LogSession('generated.jsonl', {
        source: sourceOf(text),
        checkpointEvery: every,
        checkpointsKept: kept,
      });
      await session.refresh();
      expect(session.view().steps).toHaveLength(300);
      expect(session.heldStates).toBeLessThanOrEqual(kept);
      // One state a `every` steps, halved until they fit: the state after step 0 stays.
      let spacing = every;
      while (Math.floor(300 / spacing) + 1 > kept) spacing *= 2;
      expect(session.heldStates, `every ${every}, kept ${kept}`).toBe(
        Math.floor(300 / spacing) + 1,
      );
      for (let seq = 0; seq <= 300; seq++) {
        const want = await replayLog(sourceOf(text).chunks(), {
          until: seq,
          file: 'stream generated',
        });
        expect(JSON.stringify(await session.report(seq)), `seq ${seq}`).toBe(
          JSON.stringify(want.report),
        );
      }
    }
  });

  it('gives the older steps of a long source read again from it, from their seq on when it can', async () => {
    const lines = toJsonl([...generatedLog({ events: 2300, seed: 13 })])
      .split('\n')
      .filter(Boolean);
    const text = `${lines.join('\n')}\n`;
    const oracle = actorSteps(lines);
    const asked: number[] = [];
    const after: LogSource = {
      ...sourceOf(text),
      chunksAfter: async function* (seq: number) {
        asked.push(seq);
        yield Buffer.from(
          lines
            .slice(seq)
            .map((line) => `${line}\n`)
            .join(''),
        );
      },
    };
    for (const source of [sourceOf(text), after]) {
      const session = new LogSession('generated.jsonl', { source });
      await session.refresh();
      expect(session.count).toBe(2300);
      asked.length = 0;
      await expectWindows(session, oracle, [
        [0, 2300],
        [5, 6],
        [640, 1300],
        [1299, 2300],
      ]);
      // Reports between the states kept read their events again too.
      for (const seq of [1, 700, 1301]) {
        const want = await replayLog(sourceOf(text).chunks(), {
          until: seq,
          file: 'stream generated',
        });
        expect(JSON.stringify(await session.report(seq)), `seq ${seq}`).toBe(
          JSON.stringify(want.report),
        );
      }
      if (source === after) expect(asked.filter((seq) => seq > 0).length).toBeGreaterThan(0);
      session.close();
    }
  });

  it('reads only the lines after its last step when the source says its lines never change, and shows what a fresh read shows', async () => {
    const lines = toJsonl([...generatedLog({ events: 260, seed: 12 })])
      .split('\n')
      .filter(Boolean)
      .map((line) => `${line}\n`);
    let held = lines.slice(0, 200).join('');
    const asked: number[] = [];
    const source: LogSource = {
      name: 'stream growing',
      chunks: async function* () {
        asked.push(0);
        yield Buffer.from(held);
      },
      chunksAfter: async function* (seq: number) {
        asked.push(seq);
        yield Buffer.from(held.split('\n').slice(seq).join('\n'));
      },
      watch: async () => async () => undefined,
    };
    const session = new LogSession('growing.jsonl', { source, checkpointEvery: 16 });
    await session.refresh();
    held = lines.join('');
    await session.refresh();
    expect(asked).toEqual([0, 200]);
    const fresh = new LogSession('growing.jsonl', { source: sourceOf(held), checkpointEvery: 16 });
    await fresh.refresh();
    expect(JSON.stringify(session.view().steps)).toBe(JSON.stringify(fresh.view().steps));
    for (const seq of [199, 200, 201, 260]) {
      expect(JSON.stringify(await session.report(seq)), `seq ${seq}`).toBe(
        JSON.stringify(await fresh.report(seq)),
      );
    }
  });
});
