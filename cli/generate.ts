import { type Command, InvalidArgumentError } from 'commander';
import { generatedLog } from '../testing/generator/generatedLog.js';
import { writeOut } from './output.js';
import { startProgress } from './progress.js';

/** Options of `truce generate`. */
interface GenerateOptions {
  events: number;
  seed: number;
}

/** The most events one run writes: far beyond any benchmark, short of a runaway typo. */
const MAX_EVENTS = 1_000_000_000;

function parseEvents(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_EVENTS) {
    throw new InvalidArgumentError(
      `expected how many events, a whole number from 1 to ${MAX_EVENTS.toLocaleString('en')}, found "${value}"`,
    );
  }
  return Number(value);
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a seed, a whole number ≥ 0, found "${value}"`);
  }
  return Number(value);
}

/**
 * Adds `truce generate --events N --seed S`: writes a legal, varied negotiation of N events to
 * stdout as a JSON Lines log, the same bytes for the same seed, for benchmarks and tries at
 * scale. Built with the property tests' generator (`testing/generator/`), steered so that a long
 * log keeps cycling through proposals, phases, releases, extensions, collapses and renewed talks.
 *
 * @example
 * registerGenerate(program); // truce generate --events 1000000 --seed 7 > big.jsonl
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a legal, varied log of generated events to stdout (the same for a seed)')
    .option('--events <n>', 'how many events', parseEvents, 1000)
    .option('--seed <s>', 'the seed: the same seed writes the same log', parseSeed, 1)
    .action(async (options: GenerateOptions) => {
      await writeLog(options);
    });
}

/** Lines are handed to stdout in chunks of about this many bytes. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Streams the log to stdout as it is made, with back-pressure: memory stays flat however many
 * events. A reader that goes away (`| head`, EPIPE) ends the run quietly, exit 0, and any other
 * write error is one sentence, exit 4: both are the output guard's (`cli/output.ts`).
 */
async function writeLog(options: GenerateOptions): Promise<void> {
  const out = process.stdout;
  const progress = startProgress({
    what: 'generating',
    totalEvents: options.events,
    streamsOutput: true,
  });
  let chunk = '';
  let written = 0;
  try {
    for (const event of generatedLog(options)) {
      chunk += `${JSON.stringify(event)}\n`;
      written++;
      if (chunk.length < CHUNK_BYTES) continue;
      if (!(await writeOut(out, chunk))) return;
      chunk = '';
      progress.update(written);
    }
    if (chunk) await writeOut(out, chunk);
  } finally {
    progress.done();
  }
}
