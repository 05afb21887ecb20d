import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childRates, compare, printComparison, REPORT_FIGURES } from './measure.js';

const EVENTS = 1_000_000;
const RSS_LIMIT_MB = 150;
const root = join(import.meta.dirname, '..');
const distEvents = join(root, 'dist', 'events', 'index.js');

/**
 * Validates a generated 1,000,000-event log with `readLog` in a child process (so its peak RSS
 * is its own) and compares it with reading, `JSON.parse` and an empty fold of the same file.
 * Prints medians of five interleaved runs; fails when peak RSS passes 150 MB.
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
    const result = await compare({
      bench: 'validate',
      baseline: {
        label: 'read + JSON.parse + empty fold',
        run: () => childRates(baselineScript, [file], EVENTS),
      },
      subjects: [
        {
          label: 'readLog (validate --format-only)',
          run: () => childRates(readLogScript, [file], EVENTS),
        },
      ],
    });
    printComparison(result, {
      figure: 'ms',
      unit: 'ms',
      extra: { perSecond: 'events/s', rssMb: 'MB peak RSS' },
    });
    const worst = Math.max(...(result.subjects[0]?.samples ?? []).map((m) => m.rssMb ?? 0));
    console.log(
      `peak RSS of validate: worst run ${worst.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB)`,
    );
    if (worst >= RSS_LIMIT_MB) {
      console.error(`FAIL: peak RSS ${worst.toFixed(0)} MB is over ${RSS_LIMIT_MB} MB`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const report = REPORT_FIGURES;

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
