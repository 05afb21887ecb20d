import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once when stale: the CLI tests run the compiled `truce` as users do.
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Fault and browser tests start real processes; two cores are all we have.
    maxWorkers: 2,
  },
});
