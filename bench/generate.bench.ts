import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  childRates,
  compare,
  printComparison,
  REPORT_FIGURES,
  timeProcessRss,
  writeGeneratedLog,
} from './measure.js';

const EVENTS = 1_000_000;
const SEED = 7;
const truce = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

/**
 * `truce generate --events 1000000 --seed 7 > /dev/null` (the whole command: start, the legality
 * model, steering, JSON, writing), with its peak RSS, against reading the log it writes and
 * serialising each of its events again (`JSON.parse` + `JSON.stringify` per line) in the same run.
 */
export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-generate-'));
  try {
    const file = join(dir, 'generated.jsonl');
    writeGeneratedLog(file, { events: EVENTS, seed: SEED });
    console.log(
      `log: ${EVENTS.toLocaleString('en')} events, seed ${SEED}, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
    );
    const perEvent = (figures: { ms: number; rssMb: number }) => ({
      ...figures,
      events: EVENTS,
      perSecond: (EVENTS / figures.ms) * 1000,
    });
    const result = await compare({
      bench: 'generate',
      baseline: {
        label: 'read + JSON.parse + JSON.stringify',
        run: () => childRates(serialise, [file], EVENTS),
      },
      subjects: [
        {
          label: `truce generate --events ${EVENTS} --seed ${SEED}`,
          run: () =>
            perEvent(
              timeProcessRss([
                truce,
                'generate',
                '--events',
                String(EVENTS),
                '--seed',
                String(SEED),
              ]),
            ),
        },
      ],
    });
    printComparison(result, {
      figure: 'ms',
      unit: 'ms',
      extra: { perSecond: 'events/s', rssMb: 'MB peak RSS' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const serialise = `
import { createReadStream } from 'node:fs';
const started = performance.now();
let events = 0, bytes = 0, rest = Buffer.alloc(0);
for await (const chunk of createReadStream(process.argv[1], { highWaterMark: 65536 })) {
  const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
  let start = 0;
  for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
    bytes += JSON.stringify(JSON.parse(buf.toString('utf8', start, nl))).length + 1;
    events++;
    start = nl + 1;
  }
  rest = buf.subarray(start);
}
${REPORT_FIGURES}`;
