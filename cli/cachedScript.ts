import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type { CodeCache } from './commands.js';

/** A CommonJS bundle run by {@link loadCachedScript}. */
export interface CachedScript<T> {
  /** What the bundle exports. */
  exports: T;
  /** Whether V8 took the code cache (false without one, or when it was made by another V8). */
  cacheUsed: boolean;
  /**
   * The code cache as it stands: every function compiled so far (call it after running what a
   * command runs, so they are all in it).
   */
  createCache(): Buffer;
}

/**
 * Runs a CommonJS bundle (`FILE`) with a V8 code cache made for it at build time (`cache`,
 * `FILE.cache` by default; scripts/build-cli.mjs): the functions a command runs arrive compiled instead
 * of being parsed and compiled again on every start, which was most of `truce append`'s time
 * beyond Node's own start. Node 20 has no compile cache for modules (22's
 * `module.enableCompileCache`), hence a script. Without the cache, or with one V8 refuses (made
 * by another Node), the bundle is compiled as usual: the cache only ever saves time. The bundle
 * holds no `import()` (Node 20 loses a script's import callback for functions taken from a code
 * cache): it `require`s the CommonJS packages it loads on demand (pg), beside itself.
 *
 * @example
 * const core = loadCachedScript<typeof import('./core.js')>('/…/dist/cli/core.cjs');
 * process.exitCode = await core.exports.main(process.argv);
 */
export function loadCachedScript<T>(file: string, cache = `${file}.cache`): CachedScript<T> {
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cache);
  } catch {
    cachedData = undefined;
  }
  // The wrapper of a CommonJS module, on the bundle's first line so its line numbers stay.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    {
      filename: file,
      ...(cachedData === undefined ? {} : { cachedData }),
    },
  );
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  return {
    exports: module.exports,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    createCache: () => script.createCachedData(),
  };
}

/**
 * The code cache of `DIR/core.cjs` that the commands of a kind run with: `core.cjs.reads.cache`
 * or `core.cjs.writes.cache`, each made by scripts/build-cli.mjs from runs of those commands.
 *
 * @example
 * loadCachedScript(join(dir, 'core.cjs'), coreCachePath(dir, 'reads'));
 */
export function coreCachePath(dir: string, kind: CodeCache): string {
  return join(dir, `core.cjs.${kind}.cache`);
}

/**
 * `main` of the code-cached bundle `DIR/core.cjs` (cli/core.ts, built with its caches by
 * scripts/build-cli.mjs) with the code cache of the commands of `kind`, or undefined when there
 * is no bundle (a build without it).
 *
 * @example
 * const run = cachedCore(dirname(fileURLToPath(import.meta.url)), 'reads') ?? main;
 */
export function cachedCore(
  dir: string,
  kind: CodeCache,
): typeof import('./core.js').main | undefined {
  const file = join(dir, 'core.cjs');
  if (!existsSync(file)) return undefined;
  return loadCachedScript<typeof import('./core.js')>(file, coreCachePath(dir, kind)).exports.main;
}
