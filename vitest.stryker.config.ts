import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The quick example tests first, the properties last: a mutant run stops at the first failing
 * test, and most mutants die in the examples (vitest's own order puts the slowest file first).
 */
class ExamplesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number =>
      file.moduleId.includes('/test/properties/') ? 1 : 0;
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

/**
 * The tests StrykerJS runs against each mutant of `machines/` and `projections/`: the
 * in-process ones that judge the machine and the projections. Left out: tests that run the
 * built `dist/` (a mutant of the sources never reaches it), the store, the inspector and the
 * browser, the model test (its graph traversal costs seconds for every mutant; the
 * properties cover the same transitions), and the tests of the generators and oracles, which
 * reach no mutated code but would run for every static mutant. The properties run at their full local count (100
 * runs each, as `npm test`), so a mutant that only a rare log exposes is still sought.
 */
export default defineConfig({
  test: {
    include: [
      'test/machines/**/*.test.ts',
      'test/projections/**/*.test.ts',
      'test/golden/examples.test.ts',
      'test/golden/broken-logs.test.ts',
      'test/properties/**/*.test.ts',
    ],
    // They read no machine or projection code: they judge the generators and the oracles.
    // The scale test measures time at 100,000 proposals: a minute per mutant, and a mutant that
    // changes the cost, not the verdict, is the benchmark's to catch.
    exclude: [
      'test/properties/generators.test.ts',
      'test/properties/oracles.test.ts',
      'test/machines/scale.test.ts',
    ],
    // A property that fails on a mutant has done its work: no shrinking, no counterexample file.
    env: { TRUCE_RUNS: process.env.TRUCE_RUNS ?? '100', TRUCE_NO_SHRINK: '1' },
    sequence: { sequencer: ExamplesFirst },
    // One module graph for every file and run: a mutant run re-imports nothing, a third of the
    // cost. Mutants switched at run time are judged rightly so; code run once and kept (the
    // chart's definition at import, the executor compiled on first use) needs fresh modules, so
    // scripts/mutation.mjs judges every survivor again with TRUCE_ISOLATE=1.
    isolate: process.env.TRUCE_ISOLATE === '1',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
