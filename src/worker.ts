import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DatabaseObservers } from '../activities/database.js';
import { createActivities } from '../activities/index.js';
import { businessLogAttributes } from '../activities/logging.js';
import { createPool } from '../db/client.js';
import { getConfig } from './config.js';
import { createLogger, temporalLogger } from './log.js';
import { runIfMain } from './main.js';
import { tracingFromConfig, tracingWorkerOptions, type Tracing } from './tracing.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/**
 * The workflow bundle `npm run build` writes beside the compiled worker (dist/workflow-bundle.js).
 * Where it is, the worker loads it instead of bundling workflows/ with webpack at start-up:
 * the image holds no workflow sources, and starts in a second instead of ten.
 */
const PREBUILT_BUNDLE = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

export interface WorkerSettings {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** The n8n task webhook, and the callback address it reports outcomes to. */
  n8nWebhookUrl: string;
  callbackUrl: string;
  /** n8n's outbound-communication webhook (default: beside the task webhook). */
  n8nCommunicationUrl?: string;
  /** Bounds of the worker (see the WORKER_* settings); SDK defaults where absent. */
  limits?: WorkerLimits;
  /** WORKER_SHUTDOWN_GRACE_MS: on shutdown, how long activities under way may take. */
  shutdownGraceMs?: number;
  /** OpenTelemetry tracing, when on: workflow and activity spans, continuing the client's. */
  tracing?: Tracing;
}

/** WORKER_SHUTDOWN_GRACE_MS's default, for workers built without the configuration. */
const SHUTDOWN_GRACE_MS = 20_000;

export interface WorkerLimits {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
}

/** The worker bounds from the configuration. */
export function workerLimits(config: ReturnType<typeof getConfig>): WorkerLimits {
  return {
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
  };
}

/**
 * The worker's own metrics, through the Temporal runtime's meter (exported with the SDK's
 * metrics when WORKER_METRICS_PORT is set; nowhere otherwise).
 */
function workerObservers(): DatabaseObservers {
  const lateness = Runtime.instance().metricMeter.createHistogram(
    'rexera_sla_alert_lateness',
    'float',
    'ms',
    'How long after its threshold instant an SLA level was written, by level',
  );
  return { slaAlertLateness: (level, ms) => lateness.record(Math.max(0, ms), { level }) };
}

/** Where n8n reports task outcomes, under the API's public address. */
const taskOutcomeCallbackUrl = (apiPublicUrl: string) =>
  new URL('/api/task-outcomes', apiPublicUrl).toString();

/** Builds the worker (not yet running) and what it holds open. */
export async function createWorker(
  settings: WorkerSettings,
  extra: Partial<WorkerOptions> = {},
): Promise<{ worker: Worker; close: () => Promise<void> }> {
  const pool = createPool(settings.databaseUrl);
  const connection = await NativeConnection.connect({ address: settings.temporalAddress });
  const traced = settings.tracing ? await tracingWorkerOptions(settings.tracing) : undefined;
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    ...(fs.existsSync(PREBUILT_BUNDLE)
      ? { workflowBundle: { codePath: PREBUILT_BUNDLE } }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({
      pool,
      n8n: {
        webhookUrl: settings.n8nWebhookUrl,
        callbackUrl: settings.callbackUrl,
        communicationUrl: settings.n8nCommunicationUrl,
      },
      observers: workerObservers(),
    }),
    // SIGTERM: no new task is polled; activities under way finish, or after the grace time
    // are cancelled (an n8n call is aborted) and retried on another worker; then run()
    // resolves. Past the grace time and 10 s more, the worker stops whatever still runs.
    shutdownGraceTime: settings.shutdownGraceMs ?? SHUTDOWN_GRACE_MS,
    shutdownForceTime: (settings.shutdownGraceMs ?? SHUTDOWN_GRACE_MS) + 10_000,
    interceptors: {
      workflowModules: traced?.workflowModules,
      activity: [businessLogAttributes, ...(traced?.activity ?? [])],
    },
    ...(traced ? { sinks: traced.sinks } : {}),
    ...settings.limits,
    ...extra,
  });
  return {
    worker,
    close: async () => {
      await connection.close();
      await pool.end();
    },
  };
}

async function main() {
  const config = getConfig();
  const log = createLogger('worker');
  Runtime.install({
    // The SDK's lines (with workflowId, runId, activityType...) and our workflows' and
    // activities' into our log. The SDK's own INFO prints the whole workflow bundle report:
    // its worker and core lines show from WARN, all of them with LOG_LEVEL=debug.
    logger: temporalLogger(
      createLogger('temporal'),
      config.LOG_LEVEL === 'debug' ? 'debug' : 'warn',
    ),
    // The SDK's own metrics (workflow task latency, cache size, slots, ...) and ours, on one
    // Prometheus endpoint.
    ...(config.WORKER_METRICS_PORT
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: { bindAddress: `${config.HOST}:${config.WORKER_METRICS_PORT}` },
            },
          },
        }
      : {}),
  });
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS || !config.N8N_WEBHOOK_URL) {
    throw new Error(
      'DATABASE_URL, TEMPORAL_ADDRESS and N8N_WEBHOOK_URL must be set (`npm start` sets them all).',
    );
  }
  const tracing = await tracingFromConfig(config, 'rexera-worker');
  const { worker, close } = await createWorker({
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    n8nWebhookUrl: config.N8N_WEBHOOK_URL,
    callbackUrl: taskOutcomeCallbackUrl(config.API_PUBLIC_URL),
    n8nCommunicationUrl: config.N8N_COMMUNICATION_WEBHOOK_URL,
    limits: workerLimits(config),
    shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_MS,
    tracing,
  });
  // worker.run() handles SIGINT/SIGTERM itself: it drains, then resolves.
  log.info(
    `polling task queue ${config.TEMPORAL_TASK_QUEUE} in namespace ${config.TEMPORAL_NAMESPACE}`,
  );
  await worker.run();
  await close();
  await tracing?.shutdown();
  log.info('stopped');
}

runIfMain(import.meta.url, 'worker', main);
