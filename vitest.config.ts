import { defineConfig } from 'vitest/config';

// Two tiers. `unit` (test/unit): pure code, no server, about a second (`npm run test:unit`).
// `integration`: everything else but the fault tests, against real PostgreSQL and the real
// Temporal dev server, started once for the run (test/setup/global.ts). Killing real processes
// takes minutes: `npm run test:faults` (vitest.faults.config.ts); the production Temporal
// server, scaled out: `npm run test:cluster` (vitest.cluster.config.ts).
export default defineConfig({
  test: {
    maxWorkers: 2,
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/faults/**', 'test/cluster/**', 'node_modules/**'],
          globalSetup: ['test/setup/global.ts'],
          setupFiles: ['test/setup/per-file.ts'],
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
