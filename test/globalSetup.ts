import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const entry = join(root, 'dist', 'cli', 'main.js');
const sourceDirs = [
  'events',
  'machines',
  'projections',
  'replay',
  'store',
  'cli',
  'inspector',
  'testing',
];

/** Builds `dist/` once before the tests when it is missing or older than a source file. */
export default function setup(): void {
  const built = mtimeOf(entry);
  const newest = Math.max(
    mtimeOf(join(root, 'index.ts')),
    mtimeOf(join(root, 'package.json')),
    mtimeOf(join(root, 'tsconfig.build.json')),
    ...sourceDirs.map((dir) => newestTs(join(root, dir))),
  );
  if (built !== 0 && built >= newest) return;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const output = String((error as { stdout?: unknown }).stdout ?? '');
    // tsc still emits on type errors elsewhere (another folder mid-change); the CLI tests can
    // run if the entry was written, and `npm run build` in CI reports the type errors.
    if (mtimeOf(entry) === 0) throw new Error(`npm run build failed:\n${output}`);
    console.warn(`npm run build reported errors; testing the emitted dist anyway:\n${output}`);
  }
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newestTs(dir: string): number {
  let newest = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') newest = Math.max(newest, newestTs(path));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, mtimeOf(path));
    }
  }
  return newest;
}
