import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the stack on the production Temporal server (PostgreSQL persistence,
// SQL visibility, each service its own process), three workers and two APIs of ours, killed
// and restarted for real. Minutes, one file at a time; the server is built once into .tools/.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    teardownTimeout: 120_000,
  },
});
