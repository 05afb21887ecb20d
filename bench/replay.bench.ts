import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const EVENTS = 300_000;
const TRANSITION_EVENTS = 20_000;
const RUNS = 3;
const root = join(import.meta.dirname, '..');
const dist = (path: string) => pathToFileURL(join(root, 'dist', path)).href;

interface Measure {
  events: number;
  ms: number;
  maxRssMb: number;
}

/**
 * Replays a generated legal log (phase in progress, releases, aid, violations, counts) and
 * compares, in the same run: read + JSON.parse + an empty fold of the file (the baseline), a
 * long-lived XState actor's `send` of the same events already decoded in memory, XState's pure
 * `transition()` on the first 20k, and the full `replayLog` (read, decode, machine, projections).
 */
export default async function run(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'replay', 'index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-replay-'));
  try {
    const file = join(dir, 'legal.jsonl');
    generateLegalLog(file, EVENTS);
    console.log(
      `log: ${EVENTS.toLocaleString('en')} legal events, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
    );
    const modes = ['baseline', 'replay', 'actorSend', 'transition'] as const;
    const results: Record<(typeof modes)[number], Measure[]> = {
      baseline: [],
      replay: [],
      actorSend: [],
      transition: [],
    };
    for (let i = 0; i < RUNS; i++)
      for (const mode of modes) results[mode].push(measure(mode, file));
    const m = Object.fromEntries(modes.map((mode) => [mode, median(results[mode])])) as Record<
      (typeof modes)[number],
      Measure
    >;
    const perSec = (x: Measure) => (x.events / x.ms) * 1000;
    const us = (x: Measure) => ((x.ms * 1000) / x.events).toFixed(2);
    for (const mode of modes) {
      console.log(
        `${mode.padEnd(11)} ${Math.round(perSec(m[mode])).toLocaleString('en').padStart(10)} events/s  ${us(m[mode])} µs/event  peak RSS ${m[mode].maxRssMb.toFixed(0)} MB  (median of ${RUNS}, ${m[mode].events.toLocaleString('en')} events)`,
      );
    }
    console.log(
      `replay / baseline time per event: ${(perSec(m.baseline) / perSec(m.replay)).toFixed(2)}×`,
    );
    console.log(
      `replay / actor send time per event: ${(perSec(m.actorSend) / perSec(m.replay)).toFixed(2)}×`,
    );
    console.log(
      `pure transition() / actor send time per event: ${(perSec(m.actorSend) / perSec(m.transition)).toFixed(2)}×`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(runs: Measure[]): Measure {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return {
    events: runs[0]?.events ?? 0,
    ms: mid(runs.map((r) => r.ms)),
    maxRssMb: mid(runs.map((r) => r.maxRssMb)),
  };
}

function measure(mode: 'baseline' | 'replay' | 'actorSend' | 'transition', file: string): Measure {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', scripts[mode], file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(out) as Measure;
  const expected = mode === 'transition' ? TRANSITION_EVENTS : EVENTS;
  if (result.events !== expected)
    throw new Error(`${mode} applied ${result.events} events, not ${expected}`);
  return result;
}

const report = `process.stdout.write(JSON.stringify({ events, ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;

const loadDecoded = (limit: number) => `
import { readLog } from ${JSON.stringify(dist('events/index.js'))};
const events_ = [];
for await (const { event } of readLog(process.argv[1])) { events_.push(event); if (events_.length >= ${limit}) break; }`;

const scripts = {
  baseline: `
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
  replay: `
import { replayLog } from ${JSON.stringify(dist('replay/index.js'))};
const started = performance.now();
const { events, report: r } = await replayLog(process.argv[1]);
if (r.state !== 'inPhase') throw new Error('unexpected state ' + r.state);
${report}`,
  actorSend: `
import { createActor } from 'xstate';
import { dealMachine } from ${JSON.stringify(dist('machines/index.js'))};
${loadDecoded(EVENTS)}
const actor = createActor(dealMachine).start();
const started = performance.now();
let events = 0;
for (const e of events_) { actor.send(e); events++; }
if (actor.getSnapshot().value !== 'inPhase') throw new Error('not inPhase');
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
