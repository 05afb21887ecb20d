// Bundles the command line (cli/main.ts) into dist/cli/main.js and one chunk per command, so a
// cold start reads a handful of files instead of ~180 modules: `truce --version` loads the
// entry only, `truce status` the entry and the replay chunk (README, "Cold start").
// The library (dist/index.js and the rest of dist/) stays tsc's output, module by module.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
const pkg = (await import(join(root, 'package.json'), { with: { type: 'json' } })).default;

// ES module packages of many small files are bundled (zod alone is ~95 modules); the CommonJS
// ones (pg, ws, the Stately bridge) stay where npm put them and load only when used.
const bundled = new Set(['zod', 'xstate', '@xstate/graph', 'commander']);
const external = Object.keys(pkg.dependencies).filter((name) => !bundled.has(name));

rmSync(join(out, 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'cli', 'main.ts') },
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  // commander is CommonJS: its require('node:events') needs a require in an ES module.
  banner: {
    js: "import { createRequire as __truceRequire } from 'node:module'; const require = __truceRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
