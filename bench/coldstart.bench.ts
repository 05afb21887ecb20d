import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compare, printComparison, timeProcess } from './measure.js';

const RUNS = 15;
const root = join(import.meta.dirname, '..');
const truce = join(root, 'dist', 'cli', 'main.js');
const november = join(root, 'examples', 'november-2023.jsonl');

/**
 * The wall time of starting `truce` as a user does (a new process each time) against
 * `node -e 0` in the same run: `--version` and `--help` (the listing only), `status` and
 * `validate` of the 22-event November 2023 log (the statechart, the catalogue and the replay).
 * Issue 12 asks `status` within 3× `node -e 0`. `TRUCE_BENCH_BEFORE=DIR` (another built
 * checkout, e.g. an older commit's worktree) adds its `--version` and `status` to the same run.
 */
export default async function run(): Promise<void> {
  if (!existsSync(truce)) throw new Error(`${truce} is missing: run npm run build first`);
  const before = process.env.TRUCE_BENCH_BEFORE;
  const other = before ? join(before, 'dist', 'cli', 'main.js') : undefined;
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
      ...(other === undefined
        ? []
        : [
            { label: `${before}: truce --version`, run: () => timeProcess([other, '--version']) },
            {
              label: `${before}: truce status examples/november-2023.jsonl`,
              run: () => timeProcess([other, 'status', november]),
            },
          ]),
    ],
  });
  printComparison(result, { figure: 'ms', unit: 'ms', digits: 1 });
}
