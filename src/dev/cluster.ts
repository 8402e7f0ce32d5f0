import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { getFreePort } from './ports.js';
import { ensureDatabase } from './postgres.js';
import { startProcess, waitUntil, type ManagedProcess } from './process.js';
import { ensureSearchAttributes, waitForTemporal } from './temporal.js';
import { TEMPORAL_SERVER, TEMPORAL_SQL_TOOL } from './tools.js';

const run = promisify(execFile);

/**
 * The production Temporal server, really run: PostgreSQL persistence and SQL visibility
 * (databases `temporal` and `temporal_visibility` on a PostgreSQL we are given), each service
 * its own process (frontend, `historyInstances` history, matching, worker), found by each
 * other through the membership table as on separate hosts. The same binary and config shape
 * (`config/development-postgres12.yaml` of go.temporal.io/server) a platform team deploys.
 */
export interface ClusterOptions {
  /** Superuser URL of the PostgreSQL `postgres` database; Temporal's databases go beside it. */
  pgAdminUrl: string;
  /** The frontend's gRPC port: clients and workers connect to 127.0.0.1:port. */
  port: number;
  namespace: string;
  /** Where the generated configs live (one per process). */
  dataDir: string;
  historyInstances?: number;
  /** History shards: fixed for the life of the databases (the first start sets it). */
  numHistoryShards?: number;
  onLine?: (service: string, line: string) => void;
}

export type ClusterRole = 'frontend' | 'history' | 'matching' | 'worker';

/** Role numbers of the membership table (go.temporal.io/server/common/primitives). */
const ROLE_IDS: Record<ClusterRole, number> = { frontend: 1, history: 2, matching: 3, worker: 4 };

export interface ClusterService {
  /** `frontend`, `history-1`, `history-2`, `matching`, `worker`. */
  readonly name: string;
  readonly role: ClusterRole;
  current(): ManagedProcess | undefined;
  /** Starts it (again) and waits until it has joined the cluster. */
  start(): Promise<ManagedProcess>;
  /** Sends a signal (SIGKILL: a crash) and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface TemporalCluster {
  readonly address: string;
  /** In start order: history first, frontend before the internal worker service. */
  readonly services: readonly ClusterService[];
  service(name: string): ClusterService;
  /** Once every service runs: the namespace and our search attributes, where missing. */
  ready(): Promise<void>;
  /** Stops every service (frontend and worker first, history last). */
  stop(): Promise<void>;
}

const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

/**
 * Creates Temporal's databases where missing and brings their schemas to this server
 * version's (temporal-sql-tool: versioning tables on first use, then every pending step).
 */
export async function setupClusterSchema(pgAdminUrl: string): Promise<void> {
  const url = new URL(pgAdminUrl);
  for (const db of DATABASES) {
    await ensureDatabase(pgAdminUrl, db.name);
    const dbUrl = new URL(pgAdminUrl);
    dbUrl.pathname = `/${db.name}`;
    const client = new pg.Client({ connectionString: dbUrl.toString() });
    await client.connect();
    const versioned = await client
      .query(`SELECT to_regclass('public.schema_version') IS NOT NULL AS ok`)
      .finally(() => client.end());
    // Temporal takes a unique-key violation as an answer (a namespace that exists, a task
    // already written) and logs the persistence errors that matter itself: PostgreSQL need not
    // log each one, with its statement, for Temporal's databases.
    await ensureQuietLogs(pgAdminUrl, db.name);
    const common = [
      '--plugin',
      'postgres12',
      '--endpoint',
      url.hostname,
      '--port',
      url.port,
      '--user',
      decodeURIComponent(url.username),
      '--password',
      decodeURIComponent(url.password),
      '--database',
      db.name,
    ];
    const sqlTool = async (args: string[]) => {
      try {
        await run(TEMPORAL_SQL_TOOL, [...common, ...args]);
      } catch (err) {
        const out = err as { stderr?: string; stdout?: string };
        throw new Error(
          `temporal-sql-tool ${args[0]} on ${db.name} failed:\n${out.stderr ?? ''}${out.stdout ?? ''}`,
        );
      }
    };
    if (!(versioned.rows[0] as { ok: boolean }).ok) await sqlTool(['setup-schema', '-v', '0.0']);
    await sqlTool(['update-schema', '--schema-name', db.schema]);
  }
}

async function ensureQuietLogs(pgAdminUrl: string, database: string) {
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE ${database} SET log_min_messages = 'fatal'`);
    await client.query(`ALTER DATABASE ${database} SET log_min_error_statement = 'panic'`);
  } finally {
    await client.end();
  }
}

interface Ports {
  grpc: number;
  membership: number;
  http?: number;
}

/** Settings that hold for the whole cluster (dynamic config, read by every service). */
const DYNAMIC_CONFIG = `# Written by src/dev/cluster.ts.
# New custom search attributes are seen at once by every service (not after a cache refresh).
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
limit.maxIDLength:
  - value: 255
`;

function serverConfig(opts: {
  pgAdminUrl: string;
  shards: number;
  frontend: Ports;
  matching: Ports;
  worker: Ports;
  history: Ports;
  dynamicConfigFile: string;
}) {
  const url = new URL(opts.pgAdminUrl);
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${url.hostname}:${url.port}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (p: Ports) => ({
    rpc: {
      grpcPort: p.grpc,
      membershipPort: p.membership,
      bindOnLocalHost: true,
      ...(p.http ? { httpPort: p.http } : {}),
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: opts.shards,
      datastores: { default: store('temporal', 10), visibility: store('temporal_visibility', 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(opts.frontend),
      history: rpc(opts.history),
      matching: rpc(opts.matching),
      worker: rpc(opts.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${opts.frontend.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: {
      archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    },
    dynamicConfigClient: { filepath: opts.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Is a member of this role, on this membership port, heartbeating in the membership table? */
async function joined(pgAdminUrl: string, role: ClusterRole, membershipPort: number) {
  const dbUrl = new URL(pgAdminUrl);
  dbUrl.pathname = '/temporal';
  const client = new pg.Client({ connectionString: dbUrl.toString() });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT 1 FROM cluster_membership
        WHERE role = $1 AND rpc_port = $2 AND record_expiry > now() AT TIME ZONE 'utc'`,
      [ROLE_IDS[role], membershipPort],
    );
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

/** Registers the namespace if it is not there (1-day retention), then waits until it serves. */
export async function ensureNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
      .catch((err: unknown) => {
        // ALREADY_EXISTS (gRPC 6): another start registered it; that is the goal.
        if ((err as { code?: number }).code !== 6) throw err;
      });
    await waitUntil(
      `namespace ${namespace} served`,
      async () => {
        await connection.workflowService.describeNamespace({ namespace });
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  } finally {
    await connection.close();
  }
}

/**
 * Prepares the cluster: its databases and schema, one config per process. Nothing runs yet:
 * each service is started on its own (`npm run start:cluster` hands each to its supervisor),
 * then `ready()`.
 */
export async function createTemporalCluster(opts: ClusterOptions): Promise<TemporalCluster> {
  await setupClusterSchema(opts.pgAdminUrl);
  const configDir = path.join(opts.dataDir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(configDir, 'dynamic.yaml');
  fs.writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);

  const free = async (http = false): Promise<Ports> => ({
    grpc: await getFreePort(),
    membership: await getFreePort(),
    ...(http ? { http: await getFreePort() } : {}),
  });
  const shared = {
    frontend: { ...(await free(true)), grpc: opts.port },
    matching: await free(),
    worker: await free(),
  };
  const histories = opts.historyInstances ?? 2;
  const layout: { name: string; role: ClusterRole; history: Ports }[] = [];
  const firstHistory = await free();
  for (let i = 1; i <= histories; i++) {
    layout.push({
      name: `history-${i}`,
      role: 'history',
      history: i === 1 ? firstHistory : await free(),
    });
  }
  for (const role of ['matching', 'frontend', 'worker'] as const) {
    layout.push({ name: role, role, history: firstHistory });
  }

  const address = `127.0.0.1:${opts.port}`;
  const services: ClusterService[] = layout.map(({ name, role, history }) => {
    // Each process its own file: two history processes on one host differ in their ports.
    const file = path.join(configDir, `${name}.yaml`);
    const config = serverConfig({
      pgAdminUrl: opts.pgAdminUrl,
      shards: opts.numHistoryShards ?? 8,
      ...shared,
      history,
      dynamicConfigFile,
    });
    // JSON is YAML: the server reads it as its config file.
    fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    const ports = role === 'history' ? history : shared[role];
    let proc: ManagedProcess | undefined;
    return {
      name,
      role,
      current: () => proc,
      async start() {
        const started = startProcess({
          name: `temporal-${name}`,
          command: TEMPORAL_SERVER,
          args: ['--config-file', file, '--allow-no-auth', 'start', '--service', role],
          onLine: (l) => opts.onLine?.(name, l),
        });
        proc = started;
        try {
          if (role === 'frontend') await waitForTemporal(address, 120_000, started);
          else {
            await waitUntil(
              `temporal ${name} joined the cluster`,
              () => joined(opts.pgAdminUrl, role, ports.membership),
              { timeoutMs: 120_000, process: started, intervalMs: 300 },
            );
          }
        } catch (err) {
          await started.stop();
          throw err;
        }
        return started;
      },
      async kill(signal) {
        if (!proc || proc.hasExited()) return;
        try {
          process.kill(-proc.pid, signal);
        } catch {
          // Gone already.
        }
        await proc.exited;
      },
    };
  });

  return {
    address,
    services,
    service(name) {
      const s = services.find((x) => x.name === name);
      if (!s) throw new Error(`no Temporal service ${name}`);
      return s;
    },
    async ready() {
      await ensureNamespace(address, opts.namespace);
      await ensureSearchAttributes(address, opts.namespace);
    },
    async stop() {
      for (const name of ['frontend', 'worker', 'matching']) {
        await services
          .find((x) => x.name === name)
          ?.current()
          ?.stop(20_000);
      }
      for (const s of services) if (s.role === 'history') await s.current()?.stop(20_000);
    },
  };
}

/** Creates the cluster and starts every service, then the namespace and search attributes. */
export async function startTemporalCluster(opts: ClusterOptions): Promise<TemporalCluster> {
  const cluster = await createTemporalCluster(opts);
  try {
    for (const s of cluster.services) await s.start();
    await cluster.ready();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
