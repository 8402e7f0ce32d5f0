import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root (config paths are relative to it, whatever the working directory). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.string().url().optional())
  .optional();

/**
 * Every setting the project reads from the environment, in one place. Each has a safe
 * local default; the embedded Postgres and Temporal start only where no URL is given.
 */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Log verbosity of our own processes. */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Port and interface of the HTTP API. */
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** An existing PostgreSQL database; unset means the embedded one. */
  DATABASE_URL: optionalUrl,
  /** Port of the embedded PostgreSQL (not 5432, which a system server may hold). */
  EMBEDDED_PG_PORT: port.default(54329),
  /** Database name the embedded PostgreSQL serves. */
  EMBEDDED_PG_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('rexera'),
  /** An existing Temporal frontend (host:port); unset means the embedded dev server. */
  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(
      z
        .string()
        .regex(/^[^\s:]+:\d+$/, 'must be host:port')
        .optional(),
    )
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('rexera-workflows'),
  /** Ports of the embedded Temporal dev server and its Web UI. */
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Where embedded services keep their data (survives restarts). */
  DATA_DIR: z.string().min(1).default('.data'),
  /** An existing n8n's task-dispatch webhook; unset means the embedded n8n. */
  N8N_WEBHOOK_URL: optionalUrl,
  /** n8n's outbound-communication webhook; unset means `rexera-communication` beside N8N_WEBHOOK_URL. */
  N8N_COMMUNICATION_WEBHOOK_URL: optionalUrl,
  /** Port of the embedded n8n (editor and webhooks). */
  N8N_PORT: port.default(5678),
  /** Encryption key of the embedded n8n's credentials; made at first start when unset. */
  N8N_ENCRYPTION_KEY: z.string().min(16).optional(),
  /**
   * HS256 secret of the JWTs users bring (the Supabase project's JWT secret). Unset under
   * `npm start`: one is made at first start and kept in DATA_DIR/secrets.json.
   */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Shared secret of the HMAC-SHA256 signatures on n8n's callbacks (same as for JWT_SECRET). */
  N8N_HMAC_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How old a signed callback may be before it is refused (replay protection). */
  HMAC_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** How long the API waits for a worker to answer an Update before falling back. */
  UPDATE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * How long n8n keeps retrying a task-outcome callback that failed for a reason that may
   * pass (API unreachable, 5xx such as 503 when Temporal is down, 408, 429), in seconds.
   */
  N8N_CALLBACK_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** How long the embedded n8n, told to stop, lets its running executions finish (seconds). */
  N8N_GRACEFUL_SHUTDOWN_TIMEOUT: z.coerce.number().int().min(1).max(3_600).default(30),
  /** Port of the agent simulator (the stand-in for the AI agents in local runs). */
  AGENT_SIMULATOR_PORT: port.default(5679),
  /** How long the simulated agents take to answer. */
  AGENT_SIMULATOR_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(300),
  /**
   * Workflows a worker keeps in memory between their tasks. Past this, the least recently
   * used is evicted and replayed from its history when it next wakes: memory stays bounded
   * however many workflows are open. The default fits a worker in a 2 GB container.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(500),
  /**
   * On SIGTERM, how long the worker lets the activities under way finish (ms); those still
   * running then are cancelled and retried on another worker. It polls for nothing new.
   */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /** Where the worker serves Prometheus metrics (the SDK's and ours, on HOST); unset: none. */
  WORKER_METRICS_PORT: port.optional(),
  /** Workflow tasks a worker runs at once. */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1000).default(40),
  /** Activities (dispatches to n8n, database writes that fell back from local) a worker runs at once. */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Local activities (the step-boundary database writes) a worker runs at once. */
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  /** How n8n reaches this API (the callback address sent with every dispatch). */
  API_PUBLIC_URL: z.string().url().default('http://127.0.0.1:3000'),
  /**
   * Multiplies every duration of new workflows' definitions (SLAs, backoffs, deadlines) to
   * watch them in seconds: 1 in production (refused otherwise there); e.g. 0.01 for a demo.
   */
  WORKFLOW_TIME_SCALE: z.coerce.number().gt(0).max(1).default(1),
  /** How long the API waits for a PostgreSQL connection (new, or a free one of its pool). */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  /** The API's statement_timeout; it also stops waiting for a frozen server 1 s after it. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
  /** PostgreSQL ends an API session left idle inside a transaction for this long. */
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** Every API request is answered within this: 503 with Retry-After when it is not done. */
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(15_000),
  /** On SIGTERM, how long the API lets requests under way finish before it cuts them. */
  API_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  /**
   * The console's dev login (lists the demo users, mints their tokens): `npm start` turns it
   * on for the embedded stack; refused in production.
   */
  DEV_LOGIN: z.stringbool().default(false),
  /**
   * The agent simulator's address, for the dev login's "demo escalation" (it tells the
   * simulator to ask for a person once); `npm start` sets it when it runs the simulator.
   */
  AGENT_SIMULATOR_URL: optionalUrl,
  /** Where operators open the Temporal Web UI (the console links each workflow to it). */
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  /**
   * How our processes write their logs: `json` (one object a line: what a log shipper reads)
   * or `text` (`[name] message {fields}`, for a terminal). Unset: json in production, else text.
   */
  LOG_FORMAT: z.enum(['json', 'text']).optional(),
  /**
   * An OpenTelemetry collector's OTLP/HTTP base address (traces go to `<this>/v1/traces`).
   * Unset: no tracing at all.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  /** The traces' service.name; unset: `rexera-api` for the API, `rexera-worker` for the worker. */
  OTEL_SERVICE_NAME: z.string().trim().min(1).optional(),
});

export type Config = Readonly<z.infer<typeof configSchema>> & {
  /** DATA_DIR resolved against the project root. */
  readonly dataDir: string;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses a set of environment variables; throws a ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema
    .refine((c) => c.NODE_ENV !== 'production' || c.WORKFLOW_TIME_SCALE === 1, {
      path: ['WORKFLOW_TIME_SCALE'],
      message: 'must be 1 when NODE_ENV=production (SLAs and deadlines as defined)',
    })
    .refine((c) => c.NODE_ENV !== 'production' || !c.DEV_LOGIN, {
      path: ['DEV_LOGIN'],
      message: 'must be off when NODE_ENV=production (it mints tokens without a password)',
    })
    .safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `  ${i.path.join('.')}: ${i.message}`)
      .join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const c = result.data;
  return Object.freeze({
    ...c,
    dataDir: path.resolve(PROJECT_ROOT, c.DATA_DIR),
  });
}

let cached: Config | undefined;

/** The process's configuration, parsed once from process.env on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
