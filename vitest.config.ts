import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Make CJS default imports behave as they do under plain Node (see shared spike-deps.md §3).
    deps: { interopDefault: false },
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: integration tests start servers and databases; keep parallelism modest.
    maxWorkers: 2,
  },
});
