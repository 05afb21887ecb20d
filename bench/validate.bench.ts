import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const EVENTS = 1_000_000;
const RUNS = 3;
const RSS_LIMIT_MB = 150;
const root = join(import.meta.dirname, '..');
const distEvents = join(root, 'dist', 'events', 'index.js');

/** What one child process measured. */
interface Measure {
  events: number;
  ms: number;
  maxRssMb: number;
}

/**
 * Validates a generated 1,000,000-event log with `readLog` in a child process (so its peak RSS
 * is its own) and compares it with reading, `JSON.parse` and an empty fold of the same file.
 * Prints medians of three runs; fails when peak RSS passes 150 MB.
 */
export default async function run(): Promise<void> {
  if (!existsSync(distEvents))
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-'));
  try {
    const file = join(dir, 'million.jsonl');
    generateLog(file, EVENTS);
    console.log(
      `log: ${EVENTS.toLocaleString('en')} events, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
    );
    const reads: Measure[] = [];
    const baselines: Measure[] = [];
    for (let i = 0; i < RUNS; i++) {
      reads.push(measure('readLog', file));
      baselines.push(measure('baseline', file));
    }
    for (const m of [...reads, ...baselines]) {
      if (m.events !== EVENTS) throw new Error(`a run read ${m.events} events, not ${EVENTS}`);
    }
    const read = medianOf(reads);
    const base = medianOf(baselines);
    console.log(row('readLog (validate)', read));
    console.log(row('baseline (read + JSON.parse + empty fold)', base));
    console.log(`ratio: validate takes ${(read.ms / base.ms).toFixed(2)}× the baseline's time`);
    console.log(`peak RSS of validate: ${read.maxRssMb.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB)`);
    const worst = Math.max(...reads.map((m) => m.maxRssMb));
    if (worst >= RSS_LIMIT_MB) {
      console.error(`FAIL: peak RSS ${worst.toFixed(0)} MB is over ${RSS_LIMIT_MB} MB`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(label: string, m: Measure): string {
  const perSecond = Math.round((m.events / m.ms) * 1000).toLocaleString('en');
  return `${label}: ${perSecond} events/s, ${(m.ms / 1000).toFixed(2)} s, peak RSS ${m.maxRssMb.toFixed(0)} MB (median of ${RUNS})`;
}

function medianOf(runs: Measure[]): Measure {
  const median = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    events: runs[0]?.events ?? 0,
    ms: median(runs.map((m) => m.ms)),
    maxRssMb: median(runs.map((m) => m.maxRssMb)),
  };
}

function measure(mode: 'readLog' | 'baseline', file: string): Measure {
  const script = mode === 'readLog' ? readLogScript : baselineScript;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(out) as Measure;
}

const report = `
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ events, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;

const readLogScript = `
import { readLog } from ${JSON.stringify(pathToFileURL(distEvents).href)};
const started = performance.now();
let events = 0;
for await (const _ of readLog(process.argv[1])) events++;
${report}`;

const baselineScript = `
import { createReadStream } from 'node:fs';
const started = performance.now();
const fold = (state, _event) => state;
let state = 0;
let events = 0;
let rest = Buffer.alloc(0);
for await (const chunk of createReadStream(process.argv[1], { highWaterMark: 65536 })) {
  const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
    state = fold(state, JSON.parse(buf.toString('utf8', start, nl)));
    events++;
    start = nl + 1;
  }
  rest = buf.subarray(start);
}
${report}`;

/** Writes a valid log of `count` events with a realistic mix of types. */
function generateLog(file: string, count: number): void {
  const fd = openSync(file, 'w');
  try {
    let batch: string[] = [];
    for (let seq = 1; seq <= count; seq++) {
      batch.push(JSON.stringify(eventAt(seq)));
      if (batch.length === 10_000 || seq === count) {
        writeSync(fd, `${batch.join('\n')}\n`);
        batch = [];
      }
    }
  } finally {
    closeSync(fd);
  }
}

const START = Date.parse('2023-11-22T08:00:00Z');

function eventAt(seq: number): Record<string, unknown> {
  const at = new Date(START + seq * 60_000).toISOString();
  const base = { seq, id: `ev-${seq}`, at };
  const phase = 1 + (Math.floor(seq / 1000) % 5);
  const source = { name: 'AP', url: `https://apnews.com/article/${seq}`, confidence: 'reported' };
  if (seq === 1) {
    return {
      ...base,
      type: 'negotiation.opened',
      data: {
        title: 'Generated negotiation',
        parties: [
          { id: 'israel', name: 'Israel', role: 'principal' },
          { id: 'hamas', name: 'Hamas', role: 'principal' },
          { id: 'qatar', name: 'Qatar', role: 'mediator' },
        ],
        held: { women: 40, children: 35, soldiers: 15 },
      },
      source,
    };
  }
  switch (seq % 10) {
    case 0:
      return {
        ...base,
        type: 'proposal.sent',
        data: {
          proposalId: `p${seq}`,
          from: 'qatar',
          to: ['israel', 'hamas'],
          terms: {
            phases: [
              {
                days: 4,
                hostages: [{ category: 'women', count: 50 }],
                exchange: [{ category: 'women', prisonersPerHostage: 3 }],
                extension: { hostagesPerDay: 10, prisonersPerHostage: 3, maxDays: 6 },
              },
            ],
            permanentCeasefire: false,
          },
        },
        source,
      };
    case 1:
      return {
        ...base,
        type: 'phase.accepted',
        data: { proposalId: `p${seq - 1}`, phase, by: 'israel' },
      };
    case 2:
    case 3:
      return {
        ...base,
        type: 'release.completed',
        data: {
          phase,
          hostages: [
            { category: 'women', count: 8 },
            { category: 'children', count: 5 },
          ],
          prisoners: [{ category: 'women', count: 39 }],
        },
        source,
      };
    case 4:
    case 5:
    case 6:
      return {
        ...base,
        type: 'aid.delivered',
        data: { phase, region: 'south', trucks: 200, fuelTrucks: 4 },
      };
    case 7:
      return {
        ...base,
        type: 'violation.reported',
        data: { by: 'hamas', against: 'israel', description: 'Shots fired near a release point' },
        source: { ...source, confidence: 'claimed' },
      };
    case 8:
      return { ...base, type: 'pause.extended', data: { phase, days: 1, hostages: 10 } };
    default:
      return { ...base, type: 'hostages.counted', data: { held: { women: 20, children: 10 } } };
  }
}
