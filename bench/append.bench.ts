import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePathOf, FileEventStore, type NewEvent, snapshotPathOf } from '../store/index.js';
import { compare, machineLine, printComparison, timeProcess } from './measure.js';
import { generateLegalLog } from './replay.bench.js';

const LOG_EVENTS = 5_000;
/** Appends per measured block: blocks of each kind alternate, so the disk's moods fall on all. */
const BLOCK = 10;
/** Blocks of each kind: every figure is the median of this many. */
const BLOCKS = Number(process.env.N ?? 40);
const BATCH = 100;
const root = join(import.meta.dirname, '..');
const truce = join(root, 'dist', 'cli', 'main.js');

const aid = (id: string, seq?: number): NewEvent =>
  ({
    ...(seq === undefined ? {} : { seq }),
    id,
    type: 'aid.delivered',
    at: '2030-01-01T00:00:00Z',
    data: { phase: 1, region: 'north', trucks: 2 },
  }) as NewEvent;

/**
 * Appends on a log of 5,000 events (issue 12, item 5), each against a raw baseline of the same
 * run: in-process single appends and batches of 100 (`FileEventStore.append`) against a loop of
 * one `write` + `fsync` of the same line; a CLI `truce append` (a new process each) against a
 * new `node` process that opens the file, writes the line, fsyncs and closes.
 *
 * In process, the three alternate in blocks of 10 appends (a batch of 100 being one block), 40
 * blocks each, and each figure is the median of its blocks' rates: an fsync's time on a shared
 * disk swings by several times from one second to the next, which runs of a few hundred
 * appends each did not survive (the same build measured 0.25× and 1.11× in two runs).
 * `TRUCE_BENCH_BEFORE=DIR` (another built checkout) adds its store's single appends and its
 * `truce append` to the same runs. Then the first append to a long log with no sidecar
 * ({@link firstAppend}).
 */
export default async function run(): Promise<void> {
  if (!existsSync(truce)) throw new Error(`${truce} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-append-'));
  try {
    const seed = join(dir, 'seed.jsonl');
    generateLegalLog(seed, LOG_EVENTS);
    console.log(machineLine());
    const fresh = async (name: string): Promise<FileEventStore> => {
      const log = join(dir, `${name}.jsonl`);
      copyFileSync(seed, log);
      const store = new FileEventStore(log);
      await store.append([aid(`warm-${name}`)]); // reads the log once, leaves its sidecar
      return store;
    };
    const before = process.env.TRUCE_BENCH_BEFORE;
    const singles = await fresh('singles');
    const batches = await fresh('batches');
    let earlier: FileEventStore | undefined;
    if (before) {
      const { FileEventStore: Before } = (await import(
        join(before, 'dist', 'store', 'index.js')
      )) as { FileEventStore: typeof FileEventStore };
      const log = join(dir, 'before.jsonl');
      copyFileSync(seed, log);
      earlier = new Before(log);
      await earlier.append([aid('warm-before')]);
    }
    const line = Buffer.from(`${JSON.stringify(aid('raw-000000', 1))}\n`);
    const rawLog = await open(join(dir, 'raw.jsonl'), 'a');
    let single = 0;
    let batch = 0;
    const inProcess = await compare({
      bench: 'append',
      runs: BLOCKS,
      warmup: true,
      baseline: {
        label: `raw write + fsync, blocks of ${BLOCK} lines`,
        run: async () => {
          const started = performance.now();
          for (let i = 0; i < BLOCK; i++) {
            await rawLog.write(line, 0, line.length, null);
            await rawLog.sync();
          }
          return { perSecond: (BLOCK / (performance.now() - started)) * 1000 };
        },
      },
      subjects: [
        {
          label: `FileEventStore.append, blocks of ${BLOCK} single events`,
          run: async () => {
            const started = performance.now();
            for (let i = 0; i < BLOCK; i++) await singles.append([aid(`s${single++}`)]);
            return { perSecond: (BLOCK / (performance.now() - started)) * 1000 };
          },
        },
        {
          label: `FileEventStore.append, a batch of ${BATCH}`,
          run: async () => {
            const events = Array.from({ length: BATCH }, (_, i) => aid(`b${batch}-${i}`));
            batch++;
            const started = performance.now();
            await batches.append(events);
            return { perSecond: (BATCH * 1000) / (performance.now() - started) };
          },
        },
        ...(earlier === undefined
          ? []
          : [
              {
                label: `${before}: blocks of ${BLOCK} single events`,
                run: async () => {
                  const started = performance.now();
                  for (let i = 0; i < BLOCK; i++) await earlier.append([aid(`s${single++}`)]);
                  return { perSecond: (BLOCK / (performance.now() - started)) * 1000 };
                },
              },
            ]),
      ],
    });
    await rawLog.close();
    printComparison(inProcess, { figure: 'perSecond', unit: 'events/s' });

    const cliLog = join(dir, 'cli.jsonl');
    copyFileSync(seed, cliLog);
    const beforeLog = join(dir, 'cli-before.jsonl');
    copyFileSync(seed, beforeLog);
    const cliArgs = (log: string, id: string) => [
      'append',
      log,
      '--type',
      'aid.delivered',
      '--data',
      '{"phase":1,"region":"north","trucks":2}',
      '--at',
      '2030-01-01T00:00:00Z',
      '--id',
      id,
    ];
    const raw = join(dir, 'raw-process.jsonl');
    const rawScript = `import { openSync, writeSync, fsyncSync, closeSync } from 'node:fs'; const fd = openSync(process.argv[1], 'a'); writeSync(fd, ${JSON.stringify(line.toString())}); fsyncSync(fd); closeSync(fd);`;
    let n = 0;
    const cli = await compare({
      bench: 'append',
      runs: 9,
      warmup: true,
      baseline: {
        label: 'node: open, write, fsync, close',
        run: () => timeProcess(['--input-type=module', '-e', rawScript, raw]),
      },
      subjects: [
        {
          label: 'truce append LOG --type aid.delivered … (5,000 events)',
          run: () => timeProcess([truce, ...cliArgs(cliLog, `cli-${++n}`)]),
        },
        ...(before
          ? [
              {
                label: `${before}: truce append`,
                run: () =>
                  timeProcess([
                    join(before, 'dist', 'cli', 'main.js'),
                    ...cliArgs(beforeLog, `cli-${++n}`),
                  ]),
              },
            ]
          : []),
      ],
    });
    printComparison(cli, { figure: 'ms', unit: 'ms', digits: 1 });
    await firstAppend(dir, cliArgs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Events of the generated log whose first append is timed (`TRUCE_BENCH_FIRST_APPEND_EVENTS`). */
const FIRST_APPEND_EVENTS = Number(process.env.TRUCE_BENCH_FIRST_APPEND_EVENTS ?? 200_000);

/**
 * The first `truce append` to a long generated log with no snapshot sidecar (`truce generate
 * --seed 7`): after `truce replay` left its checkpoint cache, the append goes on from the
 * cache's last checkpoint; the baseline, the same append to the same log with no cache,
 * replays it from its first line. Each run starts from a fresh copy of the log (and of the
 * cache, proven again by a replay of one event, untimed).
 */
async function firstAppend(
  dir: string,
  cliArgs: (log: string, id: string) => string[],
): Promise<void> {
  const seed = join(dir, 'generated.jsonl');
  const fd = openSync(seed, 'w');
  execFileSync(
    process.execPath,
    [truce, 'generate', '--events', String(FIRST_APPEND_EVENTS), '--seed', '7'],
    { stdio: ['ignore', fd, 'inherit'] },
  );
  closeSync(fd);
  execFileSync(process.execPath, [truce, 'replay', seed], { stdio: 'ignore' });
  const log = join(dir, 'first.jsonl');
  const fresh = (withCache: boolean) => {
    rmSync(log, { force: true });
    rmSync(snapshotPathOf(log), { force: true });
    rmSync(cachePathOf(log), { recursive: true, force: true });
    copyFileSync(seed, log);
    if (!withCache) return;
    cpSync(cachePathOf(seed), cachePathOf(log), { recursive: true });
    // Proves the copy's prefix and records its fingerprint, as the replay of that file would.
    execFileSync(process.execPath, [truce, 'replay', log, '--until', '1'], { stdio: 'ignore' });
  };
  let n = 0;
  const events = FIRST_APPEND_EVENTS.toLocaleString('en');
  const first = await compare({
    bench: 'append',
    runs: 5,
    warmup: false,
    baseline: {
      label: `first truce append, no sidecar, no cache (${events} generated events)`,
      run: () => {
        fresh(false);
        return timeProcess([truce, ...cliArgs(log, `first-${++n}`)]);
      },
    },
    subjects: [
      {
        label: 'the same after truce replay (from its checkpoint cache)',
        run: () => {
          fresh(true);
          return timeProcess([truce, ...cliArgs(log, `first-${++n}`)]);
        },
      },
    ],
  });
  printComparison(first, { figure: 'ms', unit: 'ms' });
}
