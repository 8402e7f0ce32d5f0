import { defineConfig } from 'vitest/config';

// `npm run test:faults`: real processes killed, frozen and restarted mid-batch. Each file
// starts its own stack (PostgreSQL, Temporal, n8n, API, worker); files run one at a time.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    setupFiles: ['test/setup/per-file.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 480_000,
    hookTimeout: 300_000,
    teardownTimeout: 120_000,
  },
});
