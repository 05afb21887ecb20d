import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machineLine } from './measure.js';

/**
 * Runs every `bench/*.bench.ts` in turn (or those whose name contains the first argument):
 * `npm run bench`, `npm run bench -- validate`. Each bench prints its own figures: medians of
 * at least five runs and their ratio to a baseline measured in the same run (bench/measure.ts).
 * `TRUCE_BENCH_JSON=FILE` also appends every figure to FILE as JSON lines (bench/README.md).
 */
async function main(): Promise<void> {
  const filter = process.argv[2];
  const dir = import.meta.dirname;
  const benches = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.ts'))
    .filter((name) => filter === undefined || name.includes(filter))
    .sort();
  if (benches.length === 0) {
    console.error(`no benchmark matches ${JSON.stringify(filter)}`);
    process.exitCode = 2;
    return;
  }
  console.log(machineLine());
  for (const file of benches) {
    const name = basename(file, '.bench.ts');
    console.log(`\n== ${name} ==`);
    const started = performance.now();
    const bench = (await import(pathToFileURL(join(dir, file)).href)) as {
      default: () => Promise<void>;
    };
    await bench.default();
    console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

await main();
