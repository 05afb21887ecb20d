import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ScaleShape, writeScaleLog } from './scaleLogs.js';

const SIZES = [1_000, 10_000, 100_000];
const RUNS = 3;
const root = join(import.meta.dirname, '..');
const replayModule = pathToFileURL(join(root, 'dist', 'replay', 'index.js')).href;

/**
 * Validates (replays through the statechart and projections) logs of 1,000, 10,000 and 100,000
 * proposals, and of one release naming as many categories, each in a child process, and prints
 * the median time per item and its ratio to the 1,000-item log: linear work keeps the ratio
 * near 1 (it once grew with the size: 100,000 proposals took over 120 s).
 */
export default async function run(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'replay', 'index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'truce-bench-scale-'));
  try {
    for (const shape of ['proposals', 'categories'] as const satisfies readonly ScaleShape[]) {
      let base: number | undefined;
      for (const n of SIZES) {
        const file = join(dir, `${shape}-${n}.jsonl`);
        writeScaleLog(file, shape, n);
        const runs = Array.from({ length: RUNS }, () => measure(file));
        const ms = runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
        const perItem = (ms * 1000) / n;
        base ??= perItem;
        console.log(
          `${shape.padEnd(10)} ${n.toLocaleString('en').padStart(7)}: ${(ms / 1000).toFixed(2).padStart(6)} s (${(statSync(file).size / 1e6).toFixed(1)} MB), ${perItem.toFixed(1)} µs per item, ${(perItem / base).toFixed(2)}× the 1,000-item log's time per item`,
        );
      }
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
