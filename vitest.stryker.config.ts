import { defineConfig } from 'vitest/config';

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
    env: { TRUCE_RUNS: process.env.TRUCE_RUNS ?? '100' },
    // One module graph for every file: each mutant run re-imports nothing it need not, which
    // cuts a run to a third. The judged code keeps no module state between tests.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
