import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant of `machines/` and `projections/`: the
 * in-process ones that judge the machine and the projections. Left out: tests that run the
 * built `dist/` (a mutant of the sources never reaches it), the store, the inspector and the
 * browser, and the model test (its graph traversal costs seconds for every mutant; the
 * properties cover the same transitions). Property runs are lowered so a mutant costs seconds.
 */
export default defineConfig({
  test: {
    include: [
      'test/machines/**/*.test.ts',
      'test/projections/**/*.test.ts',
      'test/golden/examples.test.ts',
      'test/properties/**/*.test.ts',
    ],
    env: { TRUCE_RUNS: process.env.TRUCE_RUNS ?? '10' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
