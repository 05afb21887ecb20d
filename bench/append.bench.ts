import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventStore, type NewEvent } from '../store/index.js';
import { compare, machineLine, printComparison, timeProcess } from './measure.js';
import { generateLegalLog } from './replay.bench.js';

const LOG_EVENTS = 5_000;
const APPENDS = Number(process.env.N ?? 200);
const BATCH = 100;
const RUNS = 5;
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
 */
export default async function run(): Promise<void> {
  if (!existsSync(truce)) throw new Error(`${truce} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-append-'));
  try {
    const seed = join(dir, 'seed.jsonl');
    generateLegalLog(seed, LOG_EVENTS);
    console.log(machineLine());
    let round = 0;
    const fresh = async (): Promise<FileEventStore> => {
      const log = join(dir, `log-${++round}.jsonl`);
      copyFileSync(seed, log);
      const store = new FileEventStore(log);
      await store.append([aid(`warm-${round}`)]); // reads the log once, leaves its sidecar
      return store;
    };
    const line = Buffer.from(`${JSON.stringify(aid('raw-000000', 1))}\n`);
    const inProcess = await compare({
      bench: 'append',
      runs: RUNS,
      baseline: {
        label: `raw write + fsync, ${APPENDS} lines`,
        run: async () => {
          const handle = await open(join(dir, 'raw.jsonl'), 'a');
          const started = performance.now();
          for (let i = 0; i < APPENDS; i++) {
            await handle.write(line, 0, line.length, null);
            await handle.sync();
          }
          const ms = performance.now() - started;
          await handle.close();
          return { perSecond: (APPENDS / ms) * 1000 };
        },
      },
      subjects: [
        {
          label: `FileEventStore.append, ${APPENDS} single events`,
          run: async () => {
            const store = await fresh();
            const started = performance.now();
            for (let i = 0; i < APPENDS; i++) await store.append([aid(`s${i}`)]);
            return { perSecond: (APPENDS / (performance.now() - started)) * 1000 };
          },
        },
        {
          label: `FileEventStore.append, ${APPENDS / 20} batches of ${BATCH}`,
          run: async () => {
            const store = await fresh();
            const started = performance.now();
            for (let b = 0; b < APPENDS / 20; b++) {
              await store.append(Array.from({ length: BATCH }, (_, i) => aid(`b${b}-${i}`)));
            }
            return { perSecond: ((APPENDS / 20) * BATCH * 1000) / (performance.now() - started) };
          },
        },
      ],
    });
    printComparison(inProcess, { figure: 'perSecond', unit: 'events/s' });

    const cliLog = join(dir, 'cli.jsonl');
    copyFileSync(seed, cliLog);
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
          run: () =>
            timeProcess([
              truce,
              'append',
              cliLog,
              '--type',
              'aid.delivered',
              '--data',
              '{"phase":1,"region":"north","trucks":2}',
              '--at',
              '2030-01-01T00:00:00Z',
              '--id',
              `cli-${++n}`,
            ]),
        },
      ],
    });
    printComparison(cli, { figure: 'ms', unit: 'ms', digits: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
