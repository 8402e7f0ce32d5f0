import fs from 'node:fs';
import path from 'node:path';
import { runMigrations } from '../../db/migrate.js';
import { getConfig, PROJECT_ROOT } from '../config.js';
import { createLogger } from '../log.js';
import { runIfMain } from '../main.js';
import { ensureConsoleBuilt } from './console.js';
import { assertPortFree } from './ports.js';
import { startEmbeddedPostgres } from './postgres.js';
import { startAndWait, Supervisor, SupervisorStoppingError } from './process.js';
import { ensureSearchAttributes, startTemporalDevServer, waitForTemporal } from './temporal.js';
import { loadOrCreateSecrets } from './secrets.js';
import { ensureTemporalServer, ensureTools } from './tools.js';
import { createTemporalCluster } from './cluster.js';
import { ensureN8n, startN8n, stopTimeoutMs as n8nStopTimeoutMs, type N8nOptions } from './n8n.js';

/**
 * The order Ctrl-C (or SIGTERM) stops the children in: the workers first (no new dispatches
 * go to n8n), then n8n (it lets its running executions finish: they call the agents, then
 * the API), the agent simulator, the APIs (last of ours, so n8n's callbacks still land; with
 * no worker they queue them as Signals), then Temporal (the cluster: frontend first, history
 * last) and PostgreSQL.
 */
function stopOrder(workers: string[], apis: string[]): string[] {
  const temporal = ['frontend', 'worker', 'matching', 'history-1', 'history-2'];
  return [
    ...workers,
    'n8n',
    'agents',
    ...apis,
    'temporal',
    ...temporal.map((x) => `temporal-${x}`),
    'postgres',
  ];
}

/** How many of our processes run: one each, or (`--cluster`) three workers and two APIs. */
const named = (base: string, count: number) =>
  count === 1 ? [base] : Array.from({ length: count }, (_, i) => `${base}-${i + 1}`);

/**
 * `npm start`: the whole stack on embedded defaults. Starts what has no URL in the config
 * (PostgreSQL, the Temporal dev server, n8n with the agent simulator), migrates, then runs
 * the worker and the API as their own processes. It supervises every child: one that dies is
 * restarted with backoff, and one that keeps dying stops everything (exit 1). Ctrl-C stops
 * everything it started, in STOP_ORDER.
 */
async function main() {
  const config = getConfig();
  const log = createLogger('start');
  let stopping = false;
  // `npm run start:cluster`: Temporal is the production server (PostgreSQL persistence, SQL
  // visibility, each service its own process), with three workers and two APIs of ours.
  const clustered = process.argv.includes('--cluster');
  const workerNames = named('worker', clustered ? 3 : 1);
  const apiPorts = clustered ? [config.PORT, config.PORT + 1] : [config.PORT];
  const apiNames = named('api', apiPorts.length);
  const STOP_ORDER = stopOrder(workerNames, apiNames);

  const supervisor = new Supervisor({
    log: { info: (m) => log.info(m), error: (m) => log.error(m) },
    onGiveUp: (message) => {
      log.error(message);
      void shutdown(1);
    },
  });
  async function shutdown(code: number) {
    if (stopping) {
      log.info('already stopping; n8n may take a while to let its running executions finish');
      return;
    }
    stopping = true;
    log.info(`stopping everything that was started (${STOP_ORDER.join(', ')}) ...`);
    await supervisor.stopAll(STOP_ORDER).catch((err: unknown) => log.error(String(err)));
    process.exit(code);
  }
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // The terminal closed: the children (each in its own process group) would not hear of it.
  process.on('SIGHUP', () => void shutdown(0));

  const step = (n: number, what: string) => log.info(`[${n}/6] ${what}`);

  try {
    step(1, 'tools and ports');
    if (!config.TEMPORAL_ADDRESS) ensureTools();
    if (clustered && !config.TEMPORAL_ADDRESS) ensureTemporalServer();
    // Every port we will open, checked before anything starts, so a clash costs nothing.
    for (const port of apiPorts) await assertPortFree(port, 'API', 'PORT', config.HOST);
    if (!config.DATABASE_URL) {
      await assertPortFree(config.EMBEDDED_PG_PORT, 'embedded PostgreSQL', 'EMBEDDED_PG_PORT');
    }
    if (!config.TEMPORAL_ADDRESS) {
      await assertPortFree(config.TEMPORAL_PORT, 'Temporal frontend', 'TEMPORAL_PORT');
      if (!clustered) {
        await assertPortFree(config.TEMPORAL_UI_PORT, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
      }
    }
    if (!config.N8N_WEBHOOK_URL) {
      await assertPortFree(config.N8N_PORT, 'n8n', 'N8N_PORT');
      await assertPortFree(config.AGENT_SIMULATOR_PORT, 'agent simulator', 'AGENT_SIMULATOR_PORT');
      ensureN8n();
    }
    const freshStart = `delete ${config.DATA_DIR} for a fresh start if its data does not matter`;

    step(2, 'PostgreSQL');
    let databaseUrl = config.DATABASE_URL;
    let pgAdminUrl = '';
    if (databaseUrl) {
      const admin = new URL(databaseUrl);
      admin.pathname = '/postgres';
      pgAdminUrl = admin.toString();
      log.info(`using DATABASE_URL (${new URL(databaseUrl).host})`);
    } else {
      const pgDir = path.join(config.dataDir, 'postgres');
      log.info(`starting embedded PostgreSQL on port ${config.EMBEDDED_PG_PORT}, data in ${pgDir}`);
      const options = {
        dataDir: pgDir,
        port: config.EMBEDDED_PG_PORT,
        database: config.EMBEDDED_PG_DATABASE,
        onLine: (l: string) => console.log(`[postgres] ${l}`),
      };
      let url = '';
      await supervisor.start({
        name: 'postgres',
        start: async () => {
          const pg = await startEmbeddedPostgres(options);
          url = pg.url;
          pgAdminUrl = pg.adminUrl;
          return pg.process;
        },
        stopTimeoutMs: 20_000,
        hint: `read PostgreSQL's lines above ([postgres]: a full disk, a damaged cluster in ${pgDir}, port ${config.EMBEDDED_PG_PORT} taken), fix that and run \`npm start\` again; ${freshStart}.`,
      });
      databaseUrl = url;
    }

    step(3, 'Temporal');
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUi: string | undefined;
    if (temporalAddress) {
      log.info(`using TEMPORAL_ADDRESS ${temporalAddress}`);
      await waitForTemporal(temporalAddress, 30_000);
      await ensureSearchAttributes(temporalAddress, config.TEMPORAL_NAMESPACE);
    } else if (clustered) {
      const dir = path.join(config.dataDir, 'temporal-cluster');
      const logs = path.join(dir, 'logs');
      fs.mkdirSync(logs, { recursive: true });
      log.info(
        `starting the Temporal server v1.30.4 on PostgreSQL (databases temporal, temporal_visibility): frontend on port ${config.TEMPORAL_PORT}, 2 history, matching, worker; logs in ${logs}`,
      );
      const cluster = await createTemporalCluster({
        pgAdminUrl,
        port: config.TEMPORAL_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dataDir: dir,
        // Its JSON lines go to one file per service; a line that is not JSON (a panic) shows.
        onLine: (service, line) => {
          fs.appendFileSync(path.join(logs, `${service}.log`), `${line}\n`);
          if (!line.startsWith('{') || line.includes('"level":"fatal"')) {
            console.log(`[temporal-${service}] ${line}`);
          }
        },
      });
      for (const service of cluster.services) {
        await supervisor.start({
          name: `temporal-${service.name}`,
          start: () => service.start(),
          stopTimeoutMs: 20_000,
          hint: `read ${path.join(logs, `${service.name}.log`)} (its "level":"error" lines), fix the cause and run \`npm run start:cluster\` again; ${freshStart}.`,
        });
      }
      await cluster.ready();
      temporalAddress = cluster.address;
    } else {
      const dbFile = path.join(config.dataDir, 'temporal', 'temporal.db');
      log.info(
        `starting the Temporal dev server on port ${config.TEMPORAL_PORT}, state in ${dbFile}`,
      );
      const options = {
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile,
        namespace: config.TEMPORAL_NAMESPACE,
        // Its structured WARN lines are mostly shutdown chatter; errors and banners pass.
        onLine: (l: string) => {
          if (!l.startsWith('time=') || l.includes('level=ERROR')) console.log(`[temporal] ${l}`);
        },
      };
      await supervisor.start({
        name: 'temporal',
        start: async () => {
          const temporal = await startTemporalDevServer(options);
          temporalAddress = temporal.address;
          temporalUi = temporal.uiUrl;
          return temporal.process;
        },
        stopTimeoutMs: 20_000,
        hint: `read the Temporal dev server's lines above ([temporal]: a full disk, a damaged ${dbFile}, a port taken), fix that and run \`npm start\` again; ${freshStart}.`,
      });
    }
    if (!temporalAddress) throw new Error('Temporal did not start');

    step(4, 'migrations');
    await runMigrations(databaseUrl);

    step(5, 'n8n and the agent simulator');
    const secrets = loadOrCreateSecrets(config.dataDir);
    const hmacSecret = config.N8N_HMAC_SECRET ?? secrets.n8nHmacSecret;
    let n8nWebhookUrl = config.N8N_WEBHOOK_URL;
    let n8nUrl: string | undefined;
    let agentSimulatorUrl: string | undefined;
    if (n8nWebhookUrl) {
      log.info(`using N8N_WEBHOOK_URL ${n8nWebhookUrl}`);
    } else {
      const agentUrl = `http://127.0.0.1:${config.AGENT_SIMULATOR_PORT}`;
      agentSimulatorUrl = agentUrl;
      await supervisor.start({
        name: 'agents',
        start: () =>
          startAndWait(
            {
              name: 'agents',
              command: process.execPath,
              args: ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/dev/agents/main.ts')],
              cwd: PROJECT_ROOT,
              onLine: (l) => console.log(l),
            },
            {
              what: 'the agent simulator answered',
              probe: async () => (await fetch(`${agentUrl}/health`)).ok,
              timeoutMs: 30_000,
            },
          ),
        hint: `read the agent simulator's lines above ([agents]) and fix the cause (port ${config.AGENT_SIMULATOR_PORT} taken by something else?), then run \`npm start\` again.`,
      });
      const n8nOptions: N8nOptions = {
        port: config.N8N_PORT,
        userFolder: path.join(config.dataDir, 'n8n'),
        encryptionKey: config.N8N_ENCRYPTION_KEY ?? secrets.n8nEncryptionKey,
        agentUrl,
        hmacSecret,
        callbackRetrySeconds: config.N8N_CALLBACK_RETRY_SECONDS,
        gracefulShutdownSeconds: config.N8N_GRACEFUL_SHUTDOWN_TIMEOUT,
        // n8n is chatty; its errors and warnings still show, each callback retry, and why a
        // stop takes a while.
        onLine: (l) => {
          if (
            (/error|warn/i.test(l) && !/deprecat/i.test(l)) ||
            l.includes('[rexera-callback]') ||
            /Waiting for \d+ active executions/.test(l)
          )
            console.log(`[n8n] ${l}`);
        },
      };
      log.info(`starting n8n on port ${config.N8N_PORT}, data in ${n8nOptions.userFolder}`);
      await supervisor.start({
        name: 'n8n',
        start: async () => {
          const n8n = await startN8n(n8nOptions);
          n8nWebhookUrl = n8n.webhookUrl;
          n8nUrl = n8n.url;
          return n8n.process;
        },
        stopTimeoutMs: n8nStopTimeoutMs(n8nOptions),
        hint: `read n8n's lines above ([n8n]; its files are in ${n8nOptions.userFolder}), fix the cause and run \`npm start\` again; ${freshStart}.`,
      });
    }
    if (!n8nWebhookUrl) throw new Error('n8n did not start');

    step(6, 'worker and API');
    // The console the API serves: built now if it is missing or older than its sources.
    await ensureConsoleBuilt((m) => console.log(m));
    const apiUrl = `http://${config.HOST}:${config.PORT}`;
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      JWT_SECRET: config.JWT_SECRET ?? secrets.jwtSecret,
      N8N_HMAC_SECRET: hmacSecret,
      N8N_WEBHOOK_URL: n8nWebhookUrl,
      // Where n8n calls back: this API, wherever PORT put it, unless told otherwise.
      API_PUBLIC_URL: process.env.API_PUBLIC_URL || apiUrl,
      // The console's dev login, with the local secrets only (a JWT_SECRET given: none).
      DEV_LOGIN: process.env.DEV_LOGIN || (config.JWT_SECRET ? 'false' : 'true'),
      ...(agentSimulatorUrl ? { AGENT_SIMULATOR_URL: agentSimulatorUrl } : {}),
      ...((process.env.TEMPORAL_UI_URL ?? temporalUi)
        ? { TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL ?? temporalUi }
        : {}),
    };
    const service = (name: string, entry: string, extraEnv: NodeJS.ProcessEnv = {}) => ({
      name,
      command: process.execPath,
      args: ['--import', 'tsx', path.join(PROJECT_ROOT, entry)],
      env: { ...env, ...extraEnv },
      cwd: PROJECT_ROOT,
      // Several of a kind: each line says which one.
      onLine: (l: string) => console.log(name.includes('-') ? `${name} ${l}` : l),
    });
    const again = clustered ? '`npm run start:cluster`' : '`npm start`';
    await Promise.all([
      ...workerNames.map((name) =>
        supervisor.start({
          name,
          start: () =>
            startAndWait(service(name, 'src/worker.ts'), {
              what: `the ${name} polled its task queue`,
              probe: (proc) => Promise.resolve(proc.recentOutput().includes('polling')),
              timeoutMs: 120_000,
            }),
          stopTimeoutMs: 30_000,
          hint: `read the ${name}'s lines above; it needs PostgreSQL and Temporal (${temporalAddress}) to answer. Fix the cause and run ${again} again.`,
        }),
      ),
      ...apiNames.map((name, i) => {
        const url = `http://${config.HOST}:${apiPorts[i]}`;
        return supervisor.start({
          name,
          start: () =>
            startAndWait(service(name, 'src/api/server.ts', { PORT: String(apiPorts[i]) }), {
              what: `the ${name} answered /health`,
              probe: async () => (await fetch(`${url}/health`)).ok,
              timeoutMs: 60_000,
            }),
          hint: `read the ${name}'s lines above; its /health needs PostgreSQL and Temporal to answer. Fix the cause and run ${again} again.`,
        });
      }),
    ]);

    const rows: [string, string][] = [
      ['Console', `${apiUrl}/console/`],
      ['API', apiPorts.map((p) => `http://${config.HOST}:${p}`).join(', ')],
      ['Health', `${apiUrl}/health`],
      ['Temporal', temporalAddress],
      [
        'Temporal UI',
        temporalUi ?? (clustered ? '(none: use the `temporal` CLI)' : '(external server)'),
      ],
      ...(clustered
        ? ([['Processes', 'Temporal frontend, 2 history, matching, worker; 3 workers, 2 APIs']] as [
            string,
            string,
          ][])
        : []),
      ['n8n', n8nUrl ?? n8nWebhookUrl],
      ['PostgreSQL', new URL(databaseUrl).host + new URL(databaseUrl).pathname],
      ['Task queue', config.TEMPORAL_TASK_QUEUE],
      ['Data', config.DATA_DIR],
    ];
    console.log(
      `\nRexera workflow worker is up:\n${rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n')}\n\nPress Ctrl-C to stop.`,
    );
  } catch (err) {
    // Already stopping (Ctrl-C during the start): whatever failed because of it is no news.
    if (stopping || err instanceof SupervisorStoppingError) return;
    log.error(err instanceof Error ? err.message : String(err));
    await shutdown(1);
  }
}

runIfMain(import.meta.url, 'start', main);
