import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Fault and browser tests start real processes; two cores are all we have.
    maxWorkers: 2,
  },
});
