import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  childRates,
  compare,
  machineLine,
  PEAK_RSS_MB,
  printComparison,
  REPORT_FIGURES,
} from './measure.js';

/** Events in the log: 1,000,000 by default (issue 12), `TRUCE_BENCH_EVENTS` for a quick run. */
const EVENTS = Number(process.env.TRUCE_BENCH_EVENTS ?? 1_000_000);
/** Runs of each figure, interleaved: 5 by default (`TRUCE_BENCH_RUNS`). */
const RUNS = Number(process.env.TRUCE_BENCH_RUNS ?? 5);
const TRANSITION_EVENTS = Math.min(20_000, EVENTS);
/** Events held decoded in memory for the executor and actor figures (a million would not fit). */
const DECODED_EVENTS = Math.min(300_000, EVENTS);
const root = join(import.meta.dirname, '..');
const dist = (path: string) => pathToFileURL(join(root, 'dist', path)).href;
const cli = join(root, 'dist', 'cli', 'main.js');

/**
 * Replays a 1,000,000-event legal log and compares, in the same run, with the parse floor
 * (read the file, split lines, `JSON.parse` each, an empty fold): `truce validate` and
 * `truce replay --json --no-cache` as a user runs them (a full replay every run; peak RSS of
 * each), the first `truce replay --json` (the checkpoint cache written, removed before each
 * run: the figure issue 12's "done when" names), `replayLog` in process, the
 * deal chart's executor and a long-lived XState actor's `send` on the same events already
 * decoded, and XState's pure `transition()` on the first 20,000. The log is
 * `truce generate --events N --seed 7` (many proposals, phases, releases, collapses) when the
 * CLI has it, else the simple log below (one phase, releases, aid and reports);
 * `TRUCE_BENCH_LOG=simple` forces the simple one, `TRUCE_BENCH_LOG=FILE` uses FILE;
 * `TRUCE_BENCH_BEFORE=DIR` adds `truce replay --json` of the build in DIR (its `dist/`), with
 * `--no-cache` and as a first replay.
 */
export default async function run(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'replay', 'index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-replay-'));
  try {
    const { file, kind } = makeLog(dir);
    const events = countLines(file);
    console.log(machineLine());
    console.log(
      `log: ${kind}, ${events.toLocaleString('en')} events, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
    );
    const mode = (label: string, name: keyof typeof scripts) => ({
      label,
      run: () =>
        childRates(
          scripts[name],
          [file, String(events)],
          name === 'transition'
            ? TRANSITION_EVENTS
            : name === 'executorSend' || name === 'actorSend'
              ? Math.min(DECODED_EVENTS, events)
              : events,
        ),
    });
    // `TRUCE_BENCH_BEFORE=DIR`: also the replay of another build (e.g. before a change).
    const before = process.env.TRUCE_BENCH_BEFORE;
    const result = await compare({
      bench: 'replay',
      runs: RUNS,
      baseline: mode('parse floor: read + split + JSON.parse + empty fold', 'floor'),
      subjects: [
        mode('truce validate LOG (format + statechart)', 'validateCli'),
        mode('truce replay LOG --json --no-cache (strict replay, all projections)', 'replayCli'),
        mode(
          'truce replay LOG --json, a first replay (writes the checkpoint cache; removed before each run)',
          'replayCliFirst',
        ),
        mode('replayLog in process (strict replay, all projections)', 'replay'),
        mode(
          `the chart's executor, events decoded (first ${DECODED_EVENTS.toLocaleString('en')})`,
          'executorSend',
        ),
        mode(
          `a long-lived XState actor's send, events decoded (first ${DECODED_EVENTS.toLocaleString('en')})`,
          'actorSend',
        ),
        mode(
          `XState's pure transition() (first ${TRANSITION_EVENTS.toLocaleString('en')})`,
          'transition',
        ),
        ...(before
          ? [
              mode(`truce replay LOG --json --no-cache, the build in ${before}`, 'replayCliBefore'),
              mode(
                `truce replay LOG --json, a first replay, the build in ${before}`,
                'replayCliFirstBefore',
              ),
            ]
          : []),
      ],
    });
    printComparison(result, {
      figure: 'perSecond',
      unit: 'events/s',
      extra: { rssMb: 'MB peak RSS' },
    });
    const rate = (i: number) => result.subjects[i]?.median.perSecond ?? Number.NaN;
    const floor = result.baseline.median.perSecond ?? Number.NaN;
    console.log(
      `strict replay (truce replay --json --no-cache) at 1/${(floor / rate(1)).toFixed(2)} of the parse floor's events/s (issue 12: at least 1/3, aim 1/2); validate at 1/${(floor / rate(0)).toFixed(2)}`,
    );
    console.log(
      `peak RSS of truce replay --json --no-cache: ${Math.round(result.subjects[1]?.median.rssMb ?? 0)} MB (issue 12: under 200 MB)`,
    );
    console.log(
      `first replay (truce replay --json, writing the checkpoint cache) at 1/${(floor / rate(2)).toFixed(2)} of the parse floor's events/s, ${(rate(1) / rate(2)).toFixed(2)}× the time of --no-cache; peak RSS ${Math.round(result.subjects[2]?.median.rssMb ?? 0)} MB`,
    );
    console.log(
      `executor / XState actor send: ${(rate(4) / rate(5)).toFixed(2)}× the events per second`,
    );
    if (before) {
      console.log(
        `the build in ${before}: --no-cache at 1/${(floor / rate(7)).toFixed(2)} of the parse floor, a first replay at 1/${(floor / rate(8)).toFixed(2)} (${(rate(2) / rate(8)).toFixed(2)}× the time of this build's)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The log to replay: generated by `truce generate` when the CLI has it, else the simple one. */
function makeLog(dir: string): { file: string; kind: string } {
  const given = process.env.TRUCE_BENCH_LOG;
  if (given !== undefined && given !== 'simple') return { file: given, kind: given };
  const file = join(dir, 'legal.jsonl');
  if (given !== 'simple') {
    try {
      const fd = openSync(file, 'w');
      try {
        execFileSync(
          process.execPath,
          [cli, 'generate', '--events', String(EVENTS), '--seed', '7'],
          {
            stdio: ['ignore', fd, 'ignore'],
          },
        );
      } finally {
        closeSync(fd);
      }
      return { file, kind: `truce generate --events ${EVENTS} --seed 7` };
    } catch {
      // No `truce generate` in this build: the simple log.
    }
  }
  generateLegalLog(file, EVENTS);
  return { file, kind: 'simple (one phase: releases, aid, violations)' };
}

function countLines(file: string): number {
  const bytes = readFileSync(file);
  let lines = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  return lines;
}

const report = REPORT_FIGURES;

const loadDecoded = (limit: number) => `
import { readLog } from ${JSON.stringify(dist('events/index.js'))};
const events_ = [];
for await (const { event } of readLog(process.argv[1])) { events_.push(event); if (events_.length >= ${limit}) break; }`;

/**
 * Runs the bundled CLI in this process with `args`, its stdout dropped, and prints the figures
 * when it ends: the peak RSS is the CLI's own, as `/usr/bin/time -v` gives it. The log's event
 * count comes as the second argument (the CLI prints no count with `--json`).
 */
const cliRun = (args: string, main = cli, before = '') => `
import { rmSync, writeSync } from 'node:fs';
const [file, count] = process.argv.slice(1);
${before}
process.stdout.write = (chunk, encoding, callback) => {
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') done();
  return true;
};
const started = performance.now();
process.on('exit', (code) => {
  if (code !== 0) return;
  const figures = { events: Number(count), ms: performance.now() - started, rssMb: ${PEAK_RSS_MB} };
  writeSync(1, JSON.stringify(figures));
});
process.argv = [process.argv[0], ${JSON.stringify(main)}, ${args}];
await import(${JSON.stringify(pathToFileURL(main).href)});`;

const scripts = {
  floor: `
import { createReadStream } from 'node:fs';
const started = performance.now();
let events = 0, state = 0, rest = Buffer.alloc(0);
const fold = (s, _e) => s;
for await (const chunk of createReadStream(process.argv[1], { highWaterMark: 65536 })) {
  const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
  let start = 0;
  for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
    state = fold(state, JSON.parse(buf.toString('utf8', start, nl))); events++; start = nl + 1;
  }
  rest = buf.subarray(start);
}
${report}`,
  validateCli: cliRun(`'validate', file`),
  // --no-cache: a full replay each run (the first would write the checkpoint cache, and the
  // others read it); time travel through the cache is `npm run bench -- timetravel`.
  replayCli: cliRun(`'replay', file, '--json', '--no-cache'`),
  // The cache of the run before is removed first (not timed): each run is a first replay.
  replayCliFirst: cliRun(
    `'replay', file, '--json'`,
    cli,
    `rmSync(file + '.truce-cache', { recursive: true, force: true });`,
  ),
  replayCliBefore: cliRun(
    `'replay', file, '--json', '--no-cache'`,
    join(process.env.TRUCE_BENCH_BEFORE ?? root, 'dist', 'cli', 'main.js'),
  ),
  // Its cache (of the same file, in its own format) removed first, as for this build's.
  replayCliFirstBefore: cliRun(
    `'replay', file, '--json'`,
    join(process.env.TRUCE_BENCH_BEFORE ?? root, 'dist', 'cli', 'main.js'),
    `rmSync(file + '.truce-cache', { recursive: true, force: true });`,
  ),
  replay: `
import { replayLog } from ${JSON.stringify(dist('replay/index.js'))};
const started = performance.now();
const { events } = await replayLog(process.argv[1]);
${report}`,
  executorSend: `
import { compiledDealChart } from ${JSON.stringify(dist('machines/index.js'))};
${loadDecoded(DECODED_EVENTS)}
const chart = compiledDealChart();
let state = chart.initial;
const started = performance.now();
let events = 0;
for (const e of events_) { const next = chart.send(state, e); if (next === null) throw new Error('refused seq ' + e.seq); state = next; events++; }
${report}`,
  actorSend: `
import { createActor } from 'xstate';
import { dealMachine } from ${JSON.stringify(dist('machines/index.js'))};
${loadDecoded(DECODED_EVENTS)}
const actor = createActor(dealMachine).start();
const started = performance.now();
let events = 0;
for (const e of events_) { const before = actor.getSnapshot(); actor.send(e); if (actor.getSnapshot() === before) throw new Error('refused seq ' + e.seq); events++; }
${report}`,
  transition: `
import { initialTransition, transition } from 'xstate';
import { dealMachine } from ${JSON.stringify(dist('machines/index.js'))};
${loadDecoded(TRANSITION_EVENTS)}
let [snapshot] = initialTransition(dealMachine);
const started = performance.now();
let events = 0;
for (const e of events_) { [snapshot] = transition(dealMachine, snapshot, e); events++; }
${report}`,
};

/** A legal log: an agreed open-ended phase, then a long stream of releases, aid and reports. */
export function generateLegalLog(file: string, count: number): void {
  const fd = openSync(file, 'w');
  const start = Date.parse('2024-01-01T00:00:00Z');
  let seq = 0;
  const lines: string[] = [];
  const emit = (type: string, data: unknown) => {
    seq++;
    const at = new Date(start + seq * 1000).toISOString();
    lines.push(
      JSON.stringify({
        seq,
        id: `b${seq}`,
        type,
        at,
        data,
        source: { name: 'bench', confidence: 'reported' },
      }),
    );
    if (lines.length >= 10_000) {
      writeSync(fd, `${lines.join('\n')}\n`);
      lines.length = 0;
    }
  };
  emit('negotiation.opened', {
    title: 'Benchmark deal',
    parties: [
      { id: 'a', name: 'Side A', role: 'principal' },
      { id: 'b', name: 'Side B', role: 'principal' },
      { id: 'm', name: 'Mediator', role: 'mediator' },
    ],
    held: { civilians: 1_000_000 },
  });
  emit('proposal.sent', {
    proposalId: 'p1',
    from: 'm',
    terms: {
      phases: [
        {
          days: 3650,
          hostages: [{ category: 'civilians' }],
          exchange: [{ category: 'civilians', prisonersPerHostage: 3 }],
        },
      ],
      permanentCeasefire: false,
    },
  });
  emit('proposal.accepted', { proposalId: 'p1', by: 'a' });
  emit('proposal.accepted', { proposalId: 'p1', by: 'b' });
  emit('phase.started', { phase: 1 });
  const regions = ['north', 'south', 'centre'];
  while (seq < count) {
    switch (seq % 4) {
      case 0:
        emit('release.completed', {
          phase: 1,
          hostages: [{ category: 'civilians', count: 1 }],
          prisoners: [{ category: 'detainees', count: 3 }],
        });
        break;
      case 1:
        emit('aid.delivered', { phase: 1, region: regions[seq % 3], trucks: 100, fuelTrucks: 4 });
        break;
      case 2:
        emit('violation.reported', { by: 'a', against: 'b', description: 'reported breach' });
        break;
      default:
        emit('release.completed', { phase: 1, outsideDeal: [{ group: 'foreign', count: 1 }] });
    }
  }
  if (lines.length) writeSync(fd, `${lines.join('\n')}\n`);
  closeSync(fd);
}
