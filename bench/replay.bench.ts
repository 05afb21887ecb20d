import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childRates, compare, printComparison, REPORT_FIGURES } from './measure.js';

const EVENTS = 300_000;
const TRANSITION_EVENTS = 20_000;
const root = join(import.meta.dirname, '..');
const dist = (path: string) => pathToFileURL(join(root, 'dist', path)).href;

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
    const mode = (label: string, name: keyof typeof scripts) => ({
      label,
      run: () =>
        childRates(scripts[name], [file], name === 'transition' ? TRANSITION_EVENTS : EVENTS),
    });
    const result = await compare({
      bench: 'replay',
      baseline: mode('read + JSON.parse + empty fold', 'baseline'),
      subjects: [
        mode('replayLog (decode + statechart + projections)', 'replay'),
        mode("a long-lived actor's send, events decoded", 'actorSend'),
        mode(
          `XState's pure transition() (first ${TRANSITION_EVENTS.toLocaleString('en')})`,
          'transition',
        ),
      ],
    });
    printComparison(result, {
      figure: 'usPerEvent',
      unit: 'µs/event',
      digits: 2,
      extra: { perSecond: 'events/s', rssMb: 'MB peak RSS' },
    });
    const us = (i: number) => result.subjects[i]?.median.usPerEvent ?? Number.NaN;
    console.log(`replay / actor send time per event: ${(us(0) / us(1)).toFixed(2)}×`);
    console.log(`pure transition() / actor send time per event: ${(us(2) / us(1)).toFixed(2)}×`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const report = REPORT_FIGURES;

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
