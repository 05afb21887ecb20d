import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, printComparison, timeProcess } from './measure.js';

const RUNS = 15;
const root = join(import.meta.dirname, '..');
const truce = join(root, 'dist', 'cli', 'main.js');
const november = join(root, 'examples', 'november-2023.jsonl');
/** Events of the generated log whose cached query is timed. */
const GENERATED_EVENTS = 20_000;
/** A seq of that log with a checkpoint of its own (a multiple of every spacing the cache uses). */
const CHECKPOINT_SEQ = 16_384;

/**
 * A generated log of {@link GENERATED_EVENTS} events in a new folder, with its checkpoint cache
 * made by a first `truce status` of `bin` (each build its own copy and cache).
 */
function cachedLog(dir: string, bin: string, name: string): string {
  const log = join(dir, name);
  writeFileSync(
    log,
    execFileSync(process.execPath, [truce, 'generate', '--events', String(GENERATED_EVENTS)], {
      maxBuffer: 64 << 20,
    }),
  );
  execFileSync(process.execPath, [bin, 'status', log], { stdio: 'ignore' });
  return log;
}

/**
 * The wall time of starting `truce` as a user does (a new process each time) against
 * `node -e 0` in the same run: `--version` and `--help` (the listing only), `status` and
 * `validate` of the 22-event November 2023 log (the statechart, the catalogue and the replay),
 * and `status --until` of a generated 20,000-event log at one of its checkpoints (the floor of a
 * query through the checkpoint cache: its index read and proven, a small state read, no event
 * replayed). Issue 12 asks `status` within 3× `node -e 0`. `TRUCE_BENCH_BEFORE=DIR` (another
 * built checkout, e.g. an older commit's worktree) adds its `--version`, `status` and cached
 * `status --until` to the same run.
 */
export default async function run(): Promise<void> {
  if (!existsSync(truce)) throw new Error(`${truce} is missing: run npm run build first`);
  const before = process.env.TRUCE_BENCH_BEFORE;
  const other = before ? join(before, 'dist', 'cli', 'main.js') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'truce-coldstart-'));
  try {
    await compareStarts(other, before, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function compareStarts(
  other: string | undefined,
  before: string | undefined,
  dir: string,
): Promise<void> {
  const generated = cachedLog(dir, truce, 'generated.jsonl');
  const until = ['--until', String(CHECKPOINT_SEQ)];
  const otherGenerated = other === undefined ? undefined : cachedLog(dir, other, 'before.jsonl');
  const result = await compare({
    bench: 'coldstart',
    runs: RUNS,
    warmup: true,
    baseline: { label: 'node -e 0', run: () => timeProcess(['-e', '0']) },
    subjects: [
      { label: 'truce --version', run: () => timeProcess([truce, '--version']) },
      { label: 'truce --help', run: () => timeProcess([truce, '--help']) },
      {
        label: 'truce status examples/november-2023.jsonl',
        run: () => timeProcess([truce, 'status', november]),
      },
      {
        label: 'truce validate examples/november-2023.jsonl',
        run: () => timeProcess([truce, 'validate', november]),
      },
      {
        label: `truce status GENERATED --until ${CHECKPOINT_SEQ} (from its checkpoint)`,
        run: () => timeProcess([truce, 'status', generated, ...until]),
      },
      ...(other === undefined || otherGenerated === undefined
        ? []
        : [
            { label: `${before}: truce --version`, run: () => timeProcess([other, '--version']) },
            {
              label: `${before}: truce status examples/november-2023.jsonl`,
              run: () => timeProcess([other, 'status', november]),
            },
            {
              label: `${before}: truce status GENERATED --until ${CHECKPOINT_SEQ}`,
              run: () => timeProcess([other, 'status', otherGenerated, ...until]),
            },
          ]),
    ],
  });
  printComparison(result, { figure: 'ms', unit: 'ms', digits: 1 });
}
