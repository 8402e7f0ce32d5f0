import { defineConfig } from 'vitest/config';
import FaultSequencer from './test/faults/sequencer.js';

// `npm run test:faults`: real processes killed, frozen and restarted mid-batch. Each file
// starts its own stack (PostgreSQL, Temporal, n8n, API, worker). Two files run at once, the
// two long ones first (test/faults/sequencer.ts): about 7 minutes instead of 10, and every
// fault then also runs on a machine busy with a second stack.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    setupFiles: ['test/setup/per-file.ts'],
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: FaultSequencer },
    testTimeout: 480_000,
    hookTimeout: 300_000,
    teardownTimeout: 120_000,
  },
});
