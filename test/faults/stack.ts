// The whole stack as separate real processes, each of which a fault test can kill, freeze
// (SIGSTOP) or stop, and start again on the same data: PostgreSQL, the Temporal CLI dev
// server on its SQLite file, n8n with our definitions, the API and the worker (their real
// entrypoints). The agent simulator (the system's edge) runs in the test process, and a small
// proxy sits between the worker and n8n so that n8n can be made to answer 500 for a while.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createDb, type Database } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { clients, userProfiles } from '../../db/schema/index.js';
import { createAgentSimulator } from '../../src/dev/agents/simulator.js';
import { mintToken } from '../../src/api/auth/jwt.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { startN8n, type EmbeddedN8n, type N8nOptions } from '../../src/dev/n8n.js';
import { getFreePort } from '../../src/dev/ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/dev/postgres.js';
import { startProcess, waitUntil, type ManagedProcess } from '../../src/dev/process.js';
import { startTemporalDevServer, type DevServer } from '../../src/dev/temporal.js';
import { startTemporalCluster, type TemporalCluster } from '../../src/dev/cluster.js';
import { ensureTemporalServer, ensureTools } from '../../src/dev/tools.js';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { tempDataDir } from '../helpers/embedded.js';
import { printSummary } from './summary.js';

export interface FaultStackOptions {
  /** WORKFLOW_TIME_SCALE of the API: the definitions' durations, shrunk (default 1/60). */
  timeScale?: number;
  /** How long the simulated agents take to answer. */
  agentDelayMs?: number;
  /**
   * `dev` (default): the Temporal CLI dev server on SQLite. `cluster`: the production server
   * on this PostgreSQL, each service its own process (src/dev/cluster.ts).
   */
  temporal?: 'dev' | 'cluster';
  /** How many worker processes and API processes of ours (default one each). */
  workers?: number;
  apis?: number;
}

/** Prints a line of progress (fault tests run for minutes). */
export const progress = (line: string) =>
  console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** A child of ours (API or worker) that a test can kill and start again. */
export interface Service {
  readonly name: string;
  current(): ManagedProcess | undefined;
  start(): Promise<void>;
  /** Sends the signal to the process group and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** How it died when no test killed it (a crash is a finding), or undefined. */
  death(): string | undefined;
  /** Starts it again if it died on its own, so that the next scenario starts whole. */
  revive(): Promise<void>;
}

/** Every process whose parent chain leads to `root` (PostgreSQL's backends call setsid()). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === pid) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

function signalAll(pids: number[], signal: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function killGroup(proc: ManagedProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.hasExited()) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // The group is gone already.
  }
  await proc.exited;
}

/**
 * Forwards the worker's calls to n8n (dispatch and communication webhooks), or answers 500
 * while told to: n8n "answering 500 for a while".
 */
async function startN8nProxy(target: () => string) {
  let failing = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failing) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('n8n is failing (fault test)');
        return;
      }
      fetch(`${target()}${req.url ?? ''}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        signal: AbortSignal.timeout(30_000),
      }).then(
        async (upstream) => {
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'text/plain',
          });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        },
        () => res.writeHead(502).end('n8n unreachable'),
      );
    });
  });
  const port = await getFreePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    setFailing: (on: boolean) => (failing = on),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;

/** Starts everything; `close()` stops it and removes its data. */
export async function startFaultStack(opts: FaultStackOptions = {}) {
  ensureTools();
  const clustered = opts.temporal === 'cluster';
  if (clustered) ensureTemporalServer();
  const data = tempDataDir(clustered ? 'cluster' : 'faults');
  const secrets = {
    jwt: randomBytes(32).toString('base64url'),
    hmac: randomBytes(32).toString('base64url'),
  };
  const ports = {
    pg: await getFreePort(),
    temporal: await getFreePort(),
    n8n: await getFreePort(),
    apis: await Promise.all(Array.from({ length: opts.apis ?? 1 }, () => getFreePort())),
    sim: await getFreePort(),
  };
  const taskQueue = `faults-${randomUUID()}`;
  const cleanups: (() => Promise<void>)[] = [];

  progress(
    `starting PostgreSQL and ${clustered ? 'the Temporal cluster' : 'the Temporal dev server'} ...`,
  );
  const pgOptions = {
    dataDir: path.join(data.dir, 'postgres'),
    port: ports.pg,
    database: 'rexera',
  };
  // Durable, as in production: a crash must not lose what was committed (an "ephemeral"
  // cluster, fsync and synchronous_commit off, loses the last commits of a crash).
  let postgres: EmbeddedPostgres = await startEmbeddedPostgres(pgOptions);
  const temporalOptions = {
    port: ports.temporal,
    dbFile: path.join(data.dir, 'temporal', 'temporal.db'),
    namespace: 'default',
  };
  // The dev server (restartable as a whole), or the cluster (each service on its own).
  let temporal: DevServer | TemporalCluster = clustered
    ? await startTemporalCluster({
        pgAdminUrl: postgres.adminUrl,
        port: ports.temporal,
        namespace: 'default',
        dataDir: path.join(data.dir, 'temporal'),
      })
    : await startTemporalDevServer(temporalOptions);
  await runMigrations(postgres.url);
  // The checks' own connection: short timeouts, it reconnects after a fault.
  const pool = new pg.Pool({
    connectionString: postgres.url,
    max: 4,
    connectionTimeoutMillis: 3_000,
    application_name: 'rexera-fault-test',
  });
  pool.on('error', () => undefined);
  const db: Database = createDb(pool);

  const sim = createAgentSimulator({ delayMs: opts.agentDelayMs ?? 100 });
  await sim.listen(ports.sim);

  progress('starting n8n ...');
  const n8nOptions: N8nOptions = {
    port: ports.n8n,
    userFolder: path.join(data.dir, 'n8n'),
    encryptionKey: randomBytes(24).toString('base64url'),
    agentUrl: `http://127.0.0.1:${ports.sim}`,
    hmacSecret: secrets.hmac,
  };
  let n8n: EmbeddedN8n | undefined = await startN8n(n8nOptions);
  const n8nUrl = `http://127.0.0.1:${ports.n8n}`;
  const proxy = await startN8nProxy(() => n8nUrl);

  const apiUrls = ports.apis.map((port) => `http://127.0.0.1:${port}`);
  const apiUrl = apiUrls[0]!;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    JWT_SECRET: secrets.jwt,
    N8N_HMAC_SECRET: secrets.hmac,
    N8N_WEBHOOK_URL: `${proxy.url}/webhook/rexera-task`,
    API_PUBLIC_URL: apiUrl,
    HOST: '127.0.0.1',
    WORKFLOW_TIME_SCALE: String(opts.timeScale ?? 1 / 60),
  };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];

  const output: string[] = [];
  const service = (
    name: string,
    entry: string,
    ready: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Service => {
    let proc: ManagedProcess | undefined;
    let killing = false;
    let died: string | undefined;
    return {
      name,
      current: () => proc,
      death: () => died,
      async revive() {
        if (!died) return;
        progress(`the ${name} had died on its own (${died}); starting it again`);
        await this.start();
      },
      async start() {
        died = undefined;
        const started = startProcess({
          name,
          command: process.execPath,
          args: ['--import', 'tsx', path.join(PROJECT_ROOT, entry)],
          env: { ...env, ...extraEnv },
          cwd: PROJECT_ROOT,
          onLine: (l) => {
            output.push(`[${name}] ${l}`);
            if (output.length > 400) output.shift();
          },
        });
        proc = started;
        void started.exited.then(({ code, signal }) => {
          if (killing || proc !== started) return;
          died = `exit code ${code ?? '-'}, signal ${signal ?? '-'}`;
          progress(`the ${name} exited on its own: ${died}`);
        });
        await waitUntil(
          `the ${name} was ready`,
          () => Promise.resolve(started.recentOutput().includes(ready)),
          { timeoutMs: 120_000, process: started, intervalMs: 100 },
        );
      },
      async kill(signal) {
        if (!proc) return;
        killing = true;
        try {
          await killGroup(proc, signal);
        } finally {
          killing = false;
        }
      },
    };
  };
  const numbered = (base: string, i: number, count: number) =>
    count === 1 ? base : `${base}-${i + 1}`;
  const apis = ports.apis.map((port, i) =>
    service(numbered('api', i, ports.apis.length), 'src/api/server.ts', 'listening on', {
      PORT: String(port),
    }),
  );
  const workerCount = opts.workers ?? 1;
  const workers = Array.from({ length: workerCount }, (_, i) =>
    service(numbered('worker', i, workerCount), 'src/worker.ts', 'polling task queue'),
  );
  const api = apis[0]!;
  const worker = workers[0]!;
  const ours = [...apis, ...workers];
  progress(`starting ${apis.length} API and ${workers.length} worker process(es) ...`);
  await Promise.all(ours.map((x) => x.start()));
  for (const x of ours) cleanups.push(() => x.kill('SIGTERM'));

  // A client organisation and one of its users, whose token creates the batches.
  const [org] = await db
    .insert(clients)
    .values({ name: `Fault client ${randomUUID()}` })
    .returning();
  const userId = randomUUID();
  await db.execute(
    sql`INSERT INTO auth.users (id, email) VALUES (${userId}, ${`${userId}@faults.example`})`,
  );
  await db.insert(userProfiles).values({
    id: userId,
    email: `${userId}@faults.example`,
    userType: 'CLIENT',
    role: 'CLIENT_USER',
    clientId: org!.id,
  });
  const token = await mintToken(secrets.jwt, { sub: userId });
  const devServer = (): DevServer => {
    if ('services' in temporal) throw new Error('this stack runs the Temporal cluster');
    return temporal;
  };
  progress(`stack up: API ${apiUrl}, Temporal ${temporal.address}, n8n ${n8nUrl}`);

  return {
    apiUrl,
    apiUrls,
    token,
    /** The client organisation the token's user belongs to. */
    clientId: org!.id,
    taskQueue,
    /** The environment our processes run with (for a one-off process such as `adopt`). */
    env,
    hmacSecret: secrets.hmac,
    get temporalAddress() {
      return temporal.address;
    },
    db,
    pool,
    sim,
    api,
    worker,
    apis,
    workers,
    proxy,
    /** Our API or worker, died with no test killing it: the scenario fails at once. */
    deaths: () =>
      ours
        .map((x) => (x.death() ? `the ${x.name} died on its own (${x.death()})` : undefined))
        .filter(Boolean)
        .join('; ') || undefined,
    /** Starts again whatever died on its own (one scenario's crash must not fail the next). */
    revive: async () => {
      for (const x of ours) await x.revive();
    },
    /** The last lines our API and worker printed (for a failure's message). */
    recentOutput: () => output.slice(-60).join('\n'),
    postgres: {
      url: () => postgres.url,
      /** SIGSTOP the server and every backend: it accepts connections and answers nothing. */
      // (Run as root, the server is `setpriv ... -- postgres`: setpriv execs it, same pid.)
      freeze: () =>
        signalAll([postgres.process.pid, ...descendants(postgres.process.pid)], 'SIGSTOP'),
      thaw: () =>
        signalAll([postgres.process.pid, ...descendants(postgres.process.pid)], 'SIGCONT'),
      /** A crash: SIGKILL of the server and its backends (it recovers from its WAL on start). */
      crash: async () => {
        const all = [postgres.process.pid, ...descendants(postgres.process.pid)];
        signalAll(all, 'SIGKILL');
        await postgres.process.exited;
      },
      /** A clean stop (PostgreSQL's fast shutdown). */
      stop: () => postgres.stop(),
      start: async () => {
        postgres = await startEmbeddedPostgres(pgOptions);
      },
    },
    temporal: {
      kill: () => killGroup(devServer().process, 'SIGKILL'),
      start: async () => {
        temporal = await startTemporalDevServer(temporalOptions);
      },
    },
    /** The cluster's services, each to kill and start on its own (`temporal: 'cluster'`). */
    get cluster(): TemporalCluster {
      if (!('services' in temporal)) throw new Error('this stack runs the dev server');
      return temporal;
    },
    n8n: {
      kill: async (signal: NodeJS.Signals) => {
        if (n8n) await killGroup(n8n.process, signal);
        n8n = undefined;
      },
      /** Its graceful stop: SIGTERM, running executions may finish (the launcher's way). */
      stop: async () => {
        await n8n?.stop();
        n8n = undefined;
      },
      start: async () => {
        n8n = await startN8n(n8nOptions);
      },
    },
    async close() {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      await proxy.close();
      await n8n?.stop().catch(() => undefined);
      await sim.close();
      await pool.end().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await postgres.stop().catch(() => undefined);
      data.remove();
    },
  };
}

/**
 * The stack of one fault test file: started before its tests, stopped (its summary table
 * printed) after them, and whole again before each test (a process of ours that crashed in
 * one scenario fails that one; the next starts with it running again).
 */
export function useFaultStack(opts: FaultStackOptions = {}): () => FaultStack {
  let stack: FaultStack | undefined;
  const get = () => {
    if (!stack) throw new Error('The fault stack did not start (see beforeAll)');
    return stack;
  };
  beforeAll(async () => {
    stack = await startFaultStack(opts);
  }, 300_000);
  beforeEach(() => stack?.revive(), 120_000);
  afterAll(async () => {
    printSummary();
    await stack?.close();
  });
  return get;
}
