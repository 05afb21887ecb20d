import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compare, printComparison } from './measure.js';
import { type ScaleShape, writeScaleLog } from './scaleLogs.js';

const SIZES = [1_000, 10_000, 100_000] as const;
const root = join(import.meta.dirname, '..');
const replayModule = pathToFileURL(join(root, 'dist', 'replay', 'index.js')).href;

/**
 * Validates (replays through the statechart and projections) logs of 1,000, 10,000 and 100,000
 * proposals, and of one release naming as many categories, each in a child process, and prints
 * the median time per item and its ratio to the 1,000-item log (the baseline): linear work
 * keeps the ratio near 1 (it once grew with the size: 100,000 proposals took over 120 s).
 */
export default async function run(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'replay', 'index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-scale-'));
  try {
    for (const shape of ['proposals', 'categories'] as const satisfies readonly ScaleShape[]) {
      const [base, ...rest] = SIZES.map((n) => {
        const file = join(dir, `${shape}-${n}.jsonl`);
        writeScaleLog(file, shape, n);
        return {
          label: `${shape} ${n.toLocaleString('en').padStart(7)} (${(statSync(file).size / 1e6).toFixed(1)} MB)`,
          run: () => {
            const ms = measure(file);
            return { ms, usPerItem: (ms * 1000) / n };
          },
        };
      });
      if (base === undefined) continue;
      const result = await compare({ bench: `scale-${shape}`, baseline: base, subjects: rest });
      printComparison(result, {
        figure: 'usPerItem',
        unit: 'µs per item',
        digits: 1,
        extra: { ms: 'ms in all' },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measure(file: string): number {
  const script = `
import { replayLog } from ${JSON.stringify(replayModule)};
const started = performance.now();
await replayLog(process.argv[1]);
process.stdout.write(String(performance.now() - started));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], {
    encoding: 'utf8',
  });
  return Number(out);
}
