import type { Server } from 'node:http';
import { trace } from '@opentelemetry/api';
import { Client, Connection } from '@temporalio/client';
import { APPLICATION_NAMES, createPool } from '../../db/client.js';
import { getConfig } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { runIfMain } from '../main.js';
import { tracingClientInterceptors, tracingFromConfig, type Tracing } from '../tracing.js';
import { createApp } from './app.js';
import { createJwtVerifier } from './auth/jwt.js';
import { createEventHub } from './events/hub.js';
import { createHealthService } from './health/service.js';
import { workflowIdRecorder } from './request-context.js';

export interface ApiSettings {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  port: number;
  host: string;
  jwtSecret: string;
  n8nHmacSecret: string;
  hmacToleranceSeconds: number;
  updateTimeoutMs: number;
  /** WORKFLOW_TIME_SCALE (default 1). */
  timeScale?: number;
  /** DB_CONNECT_TIMEOUT_MS (default 3000). */
  dbConnectTimeoutMs?: number;
  /** DB_STATEMENT_TIMEOUT_MS (default 5000). */
  dbStatementTimeoutMs?: number;
  /** DB_IDLE_IN_TRANSACTION_TIMEOUT_MS (default 10000). */
  dbIdleInTransactionTimeoutMs?: number;
  /** API_REQUEST_TIMEOUT_MS (default 15000). */
  requestTimeoutMs?: number;
  /** API_DRAIN_TIMEOUT_MS: on shutdown, how long requests under way may take to finish. */
  drainTimeoutMs?: number;
  /** DEV_LOGIN: the console's dev login (demo users, their tokens). Off by default. */
  devLogin?: boolean;
  /** TEMPORAL_UI_URL: the console links each workflow to it. */
  temporalUiUrl?: string;
  /** AGENT_SIMULATOR_URL: with DEV_LOGIN, the console can start a demo escalation. */
  agentSimulatorUrl?: string;
  /** The API's logger (default: `api`, as LOG_LEVEL and LOG_FORMAT say). */
  logger?: Logger;
  /** OpenTelemetry tracing, when on: request spans and the Temporal client's spans. */
  tracing?: Tracing;
}

/** The API's database bounds when its settings do not say (the config's defaults). */
const API_DB_DEFAULTS = {
  connectTimeoutMs: 3_000,
  statementTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 10_000,
};

/** Starts the API; resolves once it listens. `close` stops it and what it holds. */
export async function startApi(settings: ApiSettings) {
  const log = settings.logger ?? createLogger('api');
  const connectTimeoutMs = settings.dbConnectTimeoutMs ?? API_DB_DEFAULTS.connectTimeoutMs;
  // Every wait on PostgreSQL is bounded: a down or frozen server is a quick 503, not a hang.
  const pool = createPool(settings.databaseUrl, 10, {
    applicationName: APPLICATION_NAMES.api,
    connectionTimeoutMs: connectTimeoutMs,
    statementTimeoutMs: settings.dbStatementTimeoutMs ?? API_DB_DEFAULTS.statementTimeoutMs,
    idleInTransactionTimeoutMs:
      settings.dbIdleInTransactionTimeoutMs ?? API_DB_DEFAULTS.idleInTransactionTimeoutMs,
  });
  // Lazy: the API starts (and /health answers 503) even while Temporal is down.
  // No client-side retries: while Temporal is down the API answers 503 at once and the caller
  // (n8n, a person) retries; retry timers would also outlive a close.
  const connection = Connection.lazy({ address: settings.temporalAddress, interceptors: [] });
  const hub = createEventHub(settings.databaseUrl, (m) => log.warn(m), { connectTimeoutMs });
  hub.start();
  const temporal = new Client({
    connection,
    namespace: settings.namespace,
    interceptors: {
      workflow: [
        // Each request's log line names the workflows it touched.
        workflowIdRecorder,
        ...(settings.tracing ? await tracingClientInterceptors() : []),
      ],
    },
  });
  const app = createApp({
    pool,
    temporal,
    verifyJwt: createJwtVerifier(settings.jwtSecret),
    hmac: { secret: settings.n8nHmacSecret, toleranceSeconds: settings.hmacToleranceSeconds },
    taskQueue: settings.taskQueue,
    updateTimeoutMs: settings.updateTimeoutMs,
    timeScale: settings.timeScale,
    requestTimeoutMs: settings.requestTimeoutMs,
    health: createHealthService({ pool, temporal: connection }),
    hub,
    console: {
      devLogin: settings.devLogin ?? false,
      demoEscalation: Boolean(settings.devLogin && settings.agentSimulatorUrl),
      temporalUiUrl: settings.temporalUiUrl ?? 'http://127.0.0.1:8233',
      namespace: settings.namespace,
    },
    devLogin: settings.devLogin
      ? { jwtSecret: settings.jwtSecret, agentSimulatorUrl: settings.agentSimulatorUrl }
      : undefined,
    log: (m) => log.error(m),
    logger: log,
    tracer: settings.tracing ? trace.getTracer('rexera-api') : undefined,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(settings.port, settings.host, () => resolve(s));
    s.once('error', reject);
  });
  return {
    server,
    /**
     * Stops gracefully: no new connection is taken, event streams are told to reconnect and
     * end, requests under way finish (for drainMs at most: then their connections are cut).
     */
    async close(drainMs = settings.drainTimeoutMs ?? 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.disconnectAll();
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), drainMs))),
      ]);
      clearTimeout(timer);
      if (!drained) {
        log.warn(`requests still under way after ${drainMs} ms: their connections are cut`);
        server.closeAllConnections();
        await closed;
      }
      await hub.close();
      await connection.close();
      await pool.end();
    },
  };
}

async function main() {
  const config = getConfig();
  const log = createLogger('api');
  const { DATABASE_URL, TEMPORAL_ADDRESS, JWT_SECRET, N8N_HMAC_SECRET } = config;
  if (!DATABASE_URL || !TEMPORAL_ADDRESS || !JWT_SECRET || !N8N_HMAC_SECRET) {
    throw new Error(
      'DATABASE_URL, TEMPORAL_ADDRESS, JWT_SECRET and N8N_HMAC_SECRET must be set (`npm start` sets them all).',
    );
  }
  const tracing = await tracingFromConfig(config, 'rexera-api');
  const api = await startApi({
    databaseUrl: DATABASE_URL,
    temporalAddress: TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    port: config.PORT,
    host: config.HOST,
    jwtSecret: JWT_SECRET,
    n8nHmacSecret: N8N_HMAC_SECRET,
    hmacToleranceSeconds: config.HMAC_TOLERANCE_SECONDS,
    updateTimeoutMs: config.UPDATE_TIMEOUT_MS,
    timeScale: config.WORKFLOW_TIME_SCALE,
    dbConnectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    dbStatementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    dbIdleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    requestTimeoutMs: config.API_REQUEST_TIMEOUT_MS,
    drainTimeoutMs: config.API_DRAIN_TIMEOUT_MS,
    devLogin: config.DEV_LOGIN,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    agentSimulatorUrl: config.AGENT_SIMULATOR_URL,
    logger: log,
    tracing,
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${config.PORT} (API) is already in use; set PORT to another port.`);
    }
    throw err;
  });
  log.info(`listening on http://${config.HOST}:${config.PORT}`, {
    tracing: tracing ? config.OTEL_EXPORTER_OTLP_ENDPOINT : undefined,
  });
  const stop = () => {
    log.info('stopping');
    api
      .close()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runIfMain(import.meta.url, 'api', main);
