// A worker in its own process, so a test can kill it for real (SIGKILL) mid-step.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createWorker } from '../../src/worker.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const env = process.env;
const { worker } = await createWorker({
  databaseUrl: env.DATABASE_URL!,
  temporalAddress: env.TEMPORAL_ADDRESS!,
  namespace: 'default',
  taskQueue: env.TEMPORAL_TASK_QUEUE!,
  n8nWebhookUrl: env.N8N_WEBHOOK_URL!,
  callbackUrl: 'http://127.0.0.1:3000/api/task-outcomes',
  ...(env.WORKER_SHUTDOWN_GRACE_MS
    ? { shutdownGraceMs: Number(env.WORKER_SHUTDOWN_GRACE_MS) }
    : {}),
});
console.log('worker ready');
await worker.run();
