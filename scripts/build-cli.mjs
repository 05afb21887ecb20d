// Bundles the command line (cli/main.ts) into dist/cli/main.js and one chunk per command, so a
// cold start reads a handful of files instead of ~180 modules: `truce --version` loads the
// entry only (README, "Cold start"). The commands that read or write a log (`cached` in
// cli/commands.ts) run from dist/cli/core.cjs instead: cli/core.ts bundled on its own as a
// script, with two V8 code caches (core.cjs.reads.cache, core.cjs.writes.cache) made here by
// running those commands once, so their functions arrive compiled (cli/cachedScript.ts). The
// chunks stay for a build without it.
// The library (dist/index.js and the rest of dist/) stays tsc's output, module by module.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const externals = [...external, ...external.map((name) => `${name}/*`)];

/**
 * commander requires node:child_process at its start for executable subcommands, which truce
 * has none of; loading that built-in was up to a tenth of a command's start. It is required
 * when first touched instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'commander')}`)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents:
        "let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

/**
 * A part of zod that truce never uses, left out of the bundles (the library, tsc's output, keeps
 * zod whole): `z.fromJSONSchema` (reading a JSON Schema into zod) spread two of zod's namespaces
 * into an object when loaded, at every start; it throws here instead. zod's 49 translations of
 * its messages stay (300 KB of the core, though truce uses only English): left out too, they
 * made every start about 1 ms shorter but `status` of the million-event log's whole state 13 ms
 * longer, V8 collecting more while it read that state (4 December 2026, 21 interleaved pairs).
 */
const zodTrimmed = {
  name: 'zod-trimmed',
  setup(esbuild) {
    const stubs = {
      './from-json-schema.js':
        'export function fromJSONSchema() { throw new Error("z.fromJSONSchema is not in the truce command line"); }',
    };
    esbuild.onResolve({ filter: /^\.\/from-json-schema\.js$/ }, (args) =>
      args.importer.includes(join('node_modules', 'zod'))
        ? {
            path: join(dirname(args.importer), args.path),
            namespace: 'zod-trimmed',
            pluginData: args.path,
          }
        : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'zod-trimmed' }, (args) => ({
      contents: stubs[args.pluginData],
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

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
  external: externals,
  // commander is CommonJS: its require('node:events') needs a require in an ES module.
  banner: {
    js: "import { createRequire as __truceRequire } from 'node:module'; const require = __truceRequire(import.meta.url);",
  },
  plugins: [lazyChildProcess, zodTrimmed],
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The core: the commands main.js runs from it, everything they use inside. The other commands'
// modules are left out (main.js never runs them from here).
const core = join(out, 'core.cjs');
const { commands } = await import(join(root, 'dist', 'cli', 'commands.js'));
const cachedNames = new Set(commands.filter((entry) => entry.cached).map((entry) => entry.name));
const others = commands.map((entry) => entry.name).filter((name) => !cachedNames.has(name));
await build({
  entryPoints: [join(root, 'cli', 'core.ts')],
  outfile: core,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: externals,
  // Less text to read at each start; names are kept, so stacks stay readable.
  minifyWhitespace: true,
  plugins: [
    lazyChildProcess,
    zodTrimmed,
    {
      name: 'leave-out-other-commands',
      setup(esbuild) {
        const filter = new RegExp(`^\\./(${others.join('|')})\\.js$`);
        const listing = join(root, 'cli', 'commands.ts');
        esbuild.onResolve({ filter }, (args) =>
          args.importer === listing ? { external: true } : undefined,
        );
      },
    },
  ],
  // No import() in a script run from a code cache (Node 20 loses its callback, see
  // cli/cachedScript.ts): the packages it loads on demand (pg, CommonJS) are required.
  supported: { 'dynamic-import': false },
  // cli/version.ts finds package.json from its own URL: the script's, in CommonJS.
  define: { 'import.meta.url': '__truceScriptUrl' },
  banner: { js: 'var __truceScriptUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const stale of [`${core}.cache`, `${core}.reads.cache`, `${core}.writes.cache`]) {
  rmSync(stale, { force: true });
}
const dynamic = /\bimport\(\s*["'`]/.exec(readFileSync(core, 'utf8'));
if (dynamic)
  throw new Error(`${core} holds an import() (${dynamic[0]}…): it would fail from the code cache`);

// The caches: every function the runs of the cached commands of a kind compile, made by running
// them once in a fresh process (the same Node, no flags: V8 refuses a cache made under other
// flags). Those that read a log (`reads` in cli/commands.ts) also query a generated log through
// its checkpoint cache, made beforehand by another process: the index, the proof of a line, a
// checkpoint's state, the replay after it. Those that write (`writes`) append. A command
// deserializes only its kind's functions at every start (cli/cachedScript.ts).
const warm = mkdtempSync(join(tmpdir(), 'truce-warm-'));
try {
  const log = join(warm, 'warm.jsonl');
  const november = join(warm, 'november.jsonl');
  const generated = join(warm, 'generated.jsonl');
  copyFileSync(join(root, 'examples', 'november-2023.jsonl'), november);
  // 2,000 events (370 KB, over the 256 KiB under which a log has no cache): checkpoints at
  // 1,024 and after 2,000.
  const main = join(out, 'main.js');
  const made = spawnSync(process.execPath, [main, 'generate', '--events', '2000', '--seed', '7'], {
    cwd: warm,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
  if (made.status !== 0) throw new Error(`truce generate failed:\n${made.stderr}`);
  writeFileSync(generated, made.stdout);
  const first = spawnSync(process.execPath, [main, 'status', generated], {
    cwd: warm,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (first.status !== 0)
    throw new Error(`truce status (the warm-up's cache) failed:\n${first.stderr}`);
  const runs = {
    writes: [
      [
        'init',
        log,
        '--title',
        'Warm-up',
        '--party',
        'a:A:principal',
        '--party',
        'b:B:principal',
        '--at',
        '2023-11-22T08:00:00Z',
      ],
      [
        'append',
        log,
        '--type',
        'aid.delivered',
        '--data',
        '{"region":"south","trucks":1}',
        '--at',
        '2023-11-23T08:00:00Z',
        '--id',
        'w1',
      ],
      [
        'append',
        log,
        '--type',
        'aid.delivered',
        '--data',
        '{"region":"south","trucks":2}',
        '--at',
        '2023-11-23T09:00:00Z',
        '--id',
        'w2',
      ],
    ],
    reads: [
      ['status', november],
      ['replay', november],
      ['replay', november, '--json'],
      ['timeline', november],
      ['validate', november],
      ['status', generated, '--until', '1024'],
      ['replay', generated, '--until', '1500'],
    ],
  };
  for (const [kind, lines] of Object.entries(runs)) {
    const script = `
import { writeFileSync } from 'node:fs';
import { loadCachedScript } from ${JSON.stringify(join(out, 'cachedScript.js'))};
const core = loadCachedScript(${JSON.stringify(core)});
for (const line of ${JSON.stringify(lines)}) {
  const code = await core.exports.main([process.execPath, 'truce', ...line]);
  if (code !== 0) throw new Error('truce ' + line.join(' ') + ' exited ' + code);
}
writeFileSync(${JSON.stringify(`${core}.${kind}.cache`)}, core.createCache());
`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: warm,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      throw new Error(`making the ${kind} code cache of ${core} failed:\n${run.stderr}`);
    }
  }
} finally {
  rmSync(warm, { recursive: true, force: true });
}
