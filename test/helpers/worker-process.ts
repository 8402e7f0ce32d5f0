import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

/**
 * A worker in its own process (test/support/worker-process.ts) on the run's Temporal server,
 * resolved once it polls: a test can kill it (SIGKILL) or stop it (SIGTERM) for real.
 */
export function startWorkerProcess(opts: {
  databaseUrl: string;
  taskQueue: string;
  n8nWebhookUrl: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/worker-process.ts')],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: opts.databaseUrl,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: opts.taskQueue,
        N8N_WEBHOOK_URL: opts.n8nWebhookUrl,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
}
