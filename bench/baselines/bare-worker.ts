// The bare baseline's worker, in-process (for the latency and throughput measures) and as a
// process of its own (for RSS, beside src/worker.ts): same SDK, same options, the bare
// workflow code and one activity, the project's own n8n dispatch (one HTTP POST).
import { fileURLToPath } from 'node:url';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { createN8nActivities, type N8nDeps } from '../../activities/n8n.js';
import type { WorkerLimits } from '../../src/worker.js';
import type { BareActivities } from './bare-workflows.js';

export const BARE_WORKFLOWS_PATH = fileURLToPath(new URL('./bare-workflows.ts', import.meta.url));

export function bareActivities(n8n: N8nDeps): BareActivities {
  const activities = createN8nActivities(n8n);
  return { dispatchTask: (request) => activities.dispatchTask(request) };
}

/** Options of a bare worker: the bundle (or its path) and the project's bounds. */
export function bareWorkerOptions(
  n8n: N8nDeps,
  limits: WorkerLimits,
): Omit<WorkerOptions, 'connection' | 'taskQueue'> {
  return { activities: bareActivities(n8n), ...limits };
}

const int = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/**
 * `node --import tsx bench/baselines/bare-worker.ts`: the bare worker as a process, read from
 * the same variables as src/worker.ts (TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE,
 * N8N_WEBHOOK_URL, WORKER_MAX_*). Bundles its code at start, like the real worker.
 */
async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = process.env;
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue: env.TEMPORAL_TASK_QUEUE!,
    workflowsPath: BARE_WORKFLOWS_PATH,
    ...bareWorkerOptions(
      { webhookUrl: env.N8N_WEBHOOK_URL!, callbackUrl: 'http://127.0.0.1:9/unused' },
      {
        maxCachedWorkflows: int(env.WORKER_MAX_CACHED_WORKFLOWS),
        maxConcurrentWorkflowTaskExecutions: int(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS),
        maxConcurrentActivityTaskExecutions: int(env.WORKER_MAX_CONCURRENT_ACTIVITIES),
        maxConcurrentLocalActivityExecutions: int(env.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES),
      },
    ),
  });
  console.log(`[bare-worker] polling task queue ${env.TEMPORAL_TASK_QUEUE}`);
  await worker.run();
  await connection.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error('[bare-worker]', err);
    process.exit(1);
  });
}
