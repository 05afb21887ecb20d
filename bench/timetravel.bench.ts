import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  childFigures,
  compare,
  machineLine,
  printComparison,
  timeProcess,
  timeProcessRss,
} from './measure.js';
import { generateLegalLog } from './replay.bench.js';

const EVENTS = Number(process.env.N ?? 1_000_000);
/** `generate` (truce generate --seed 7: many proposals, a state that grows) or `stream` (aid). */
const KIND = process.env.TRUCE_BENCH_LOG ?? 'generate';
const PARTY = KIND === 'stream' ? 'a' : 'israel';
const RUNS = 5;
const root = join(import.meta.dirname, '..');
const truce = join(root, 'dist', 'cli', 'main.js');
const dist = (path: string) => pathToFileURL(join(root, 'dist', path)).href;

/**
 * A child Node that loads the library, then times one replay of the log (`process.argv[1]`)
 * to seq `process.argv[2]` (the whole log when it is absent): through the checkpoint cache
 * (`replayLogCached`), or without it (`replayLog`). What a program that embeds truce (the
 * inspector's server) pays for the state at a seq, without Node's start and the modules' load.
 */
const inProcess = (cached: boolean) => `
import { replayLog } from ${JSON.stringify(dist('replay/index.js'))};
import { replayLogCached } from ${JSON.stringify(dist('store/index.js'))};
const [log, until] = process.argv.slice(1);
const options = until === undefined ? {} : { until: Number(until) };
const started = performance.now();
const { events } = await ${cached ? 'replayLogCached(log, options)' : 'replayLog(log, options)'};
process.stdout.write(JSON.stringify({ events, ms: performance.now() - started }));`;

/**
 * A child that asks for the state at seq `process.argv[2]` through the cache with a
 * `CheckpointMemo`, then times the state one event further, as the inspector steps: the second
 * resumes from the state the first read, kept in memory.
 */
const nextStep = `
import { CheckpointMemo, replayLogCached } from ${JSON.stringify(dist('store/index.js'))};
const [log, until] = process.argv.slice(1);
const memo = new CheckpointMemo();
await replayLogCached(log, { until: Number(until), memo });
const started = performance.now();
const { events } = await replayLogCached(log, { until: Number(until) + 1, memo });
process.stdout.write(JSON.stringify({ events, ms: performance.now() - started }));`;

/**
 * Time travel on a long log (issue 12, item 4): `truce replay LOG --until N-1000 --json` through
 * the checkpoint cache, after a first replay built it, against a full replay without the cache
 * in the same run; the same `--until` readable and with `status`, and with `--no-cache`, `--at` the instant of that event,
 * and `status` after one more event was appended (the cache proves the log again by hashing
 * it, then replays from its last checkpoint). First, the first replay's time and peak RSS
 * beside a `--no-cache` one's (item 2: under 200 MB). `N=100000 npm run bench -- timetravel` for a shorter log; the log is
 * `truce generate --events N --seed 7` by default, `TRUCE_BENCH_LOG=stream` a phase with a long
 * stream of releases and aid (a small state).
 */
/** The `at` of the event with this seq, read from the end of the log. */
function atOf(log: string, seq: number): string {
  const text = execFileSync('tail', ['-n', String(EVENTS - seq + 1), log], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const line = text.slice(0, text.indexOf('\n'));
  return (JSON.parse(line) as { at: string }).at;
}

export default async function run(): Promise<void> {
  if (!existsSync(truce)) throw new Error(`${truce} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-timetravel-'));
  try {
    const log = join(dir, 'big.jsonl');
    if (KIND === 'stream') generateLegalLog(log, EVENTS);
    else {
      const fd = openSync(log, 'w');
      execFileSync(
        process.execPath,
        [truce, 'generate', '--events', String(EVENTS), '--seed', '7'],
        {
          stdio: ['ignore', fd, 'inherit'],
        },
      );
      closeSync(fd);
    }
    console.log(machineLine());
    console.log(
      `log: ${EVENTS.toLocaleString('en')} legal events (${KIND}), ${(statSync(log).size / 1e6).toFixed(0)} MB`,
    );
    const until = String(EVENTS - 1000);
    const atUntil = atOf(log, EVENTS - 1000);
    // Issue 12, item 2: the default replay, which writes the cache on its first run, beside one
    // that neither reads nor writes it (one run each: a first replay happens once per log).
    const bare = timeProcessRss([truce, 'replay', log, '--json', '--no-cache']);
    const first = timeProcessRss([truce, 'replay', log, '--json']);
    console.log(
      `first replay (builds the cache): ${(first.ms / 1000).toFixed(1)} s, peak RSS ${first.rssMb.toFixed(0)} MB; ` +
        `--no-cache: ${(bare.ms / 1000).toFixed(1)} s, peak RSS ${bare.rssMb.toFixed(0)} MB ` +
        `(${(first.ms / bare.ms).toFixed(2)}× the time, ${(first.rssMb / bare.rssMb).toFixed(2)}× the memory)`,
    );
    let appended = 0;
    const result = await compare({
      bench: 'timetravel',
      runs: RUNS,
      baseline: {
        label: 'full replay --json --no-cache',
        run: () => timeProcess([truce, 'replay', log, '--json', '--no-cache']),
      },
      subjects: [
        {
          label: `replay --json --until ${until} (cache)`,
          run: () => timeProcess([truce, 'replay', log, '--json', '--until', until]),
        },
        {
          // The done-when of issue 12: the readable answer, as a user asks it (the latest 20
          // entries of each long section).
          label: `replay --until ${until}, readable (cache)`,
          run: () => timeProcess([truce, 'replay', log, '--until', until]),
        },
        {
          // The same with every entry (6.5 MB on the generated log of a million events).
          label: `replay --until ${until} --full, readable (cache)`,
          run: () => timeProcess([truce, 'replay', log, '--until', until, '--full']),
        },
        {
          // The state at that seq with a one-line answer: what loading a checkpoint costs.
          label: `status --until ${until} (cache)`,
          run: () => timeProcess([truce, 'status', log, '--until', until]),
        },
        {
          label: `replay --json --at (event ${until}'s instant) (cache)`,
          run: () => timeProcess([truce, 'replay', log, '--json', '--at', atUntil]),
        },
        {
          label: `replay --json --until ${until} --no-cache`,
          run: () => timeProcess([truce, 'replay', log, '--json', '--until', until, '--no-cache']),
        },
        {
          label: 'status after one more event is appended (cache)',
          run: () => {
            appended++;
            const at = new Date(Date.UTC(2030, 0, 1) + appended * 1000).toISOString();
            // Any state takes a violation report.
            appendFileSync(
              log,
              `${JSON.stringify({ seq: EVENTS + appended, id: `more-${appended}`, type: 'violation.reported', at, data: { by: PARTY, description: 'bench' } })}\n`,
            );
            return timeProcess([truce, 'status', log]);
          },
        },
      ],
    });
    printComparison(result, { figure: 'ms', unit: 'ms' });
    // The same question in process: the state at that seq through the cache, against a replay
    // of the whole log without it, each in a fresh child with the modules already loaded.
    const library = await compare({
      bench: 'timetravel-in-process',
      runs: RUNS,
      baseline: {
        label: 'replayLog of the whole log, in process',
        run: () => childFigures(inProcess(false), [log]),
      },
      subjects: [
        {
          label: `replayLogCached to ${until}, in process (cache)`,
          run: () => childFigures(inProcess(true), [log, until]),
        },
        {
          label: `replayLogCached to ${Number(until) + 1} after ${until}, in process (cache, memo)`,
          run: () => childFigures(nextStep, [log, until]),
        },
      ],
    });
    printComparison(library, { figure: 'ms', unit: 'ms' });
    const cache = join(`${log}.truce-cache`);
    let bytes = 0;
    for (const name of existsSync(cache) ? readdirSync(cache) : []) {
      bytes += statSync(join(cache, name)).size;
    }
    console.log(
      `cache: ${(bytes / 1e6).toFixed(1)} MB beside a ${(statSync(log).size / 1e6).toFixed(0)} MB log`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
