import path from 'node:path';
import { runMigrations } from '../db/migrate.js';
import { getConfig, PROJECT_ROOT } from './config.js';
import { createLogger } from './infra/log.js';
import { runIfMain } from './infra/main.js';
import { assertPortFree } from './infra/ports.js';
import { startEmbeddedPostgres } from './infra/postgres.js';
import { startProcess, waitUntil, type ManagedProcess } from './infra/process.js';
import {
  ensureSearchAttributes,
  startTemporalDevServer,
  waitForTemporal,
} from './infra/temporal.js';
import { loadOrCreateSecrets } from './infra/secrets.js';
import { ensureTools } from './infra/tools.js';
import { ensureN8n, startN8n } from './infra/n8n.js';

/**
 * `npm start`: the whole stack on embedded defaults. Starts what has no URL in the config
 * (PostgreSQL, the Temporal dev server, n8n with the agent simulator), migrates, then runs
 * the worker and the API as their own processes. Ctrl-C stops everything it started,
 * newest first.
 */
async function main() {
  const config = getConfig();
  const log = createLogger('start');
  const running: { name: string; stop: () => Promise<void> }[] = [];
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping everything that was started ...');
    for (const service of running.reverse()) {
      await service.stop().catch((err: unknown) => log.error(`${service.name}: ${String(err)}`));
      log.info(`${service.name} stopped`);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const step = (n: number, what: string) => log.info(`[${n}/6] ${what}`);
  const watch = (proc: ManagedProcess) => {
    running.push({ name: proc.name, stop: () => proc.stop() });
    void proc.exited.then(({ code, signal }) => {
      if (stopping) return;
      log.error(
        `${proc.name} exited unexpectedly (code ${code}, signal ${signal}); its last output:\n${proc.recentOutput()}`,
      );
      void shutdown(1);
    });
  };

  try {
    step(1, 'tools and ports');
    if (!config.TEMPORAL_ADDRESS) ensureTools();
    // Every port we will open, checked before anything starts, so a clash costs nothing.
    await assertPortFree(config.PORT, 'API', 'PORT', config.HOST);
    if (!config.DATABASE_URL) {
      await assertPortFree(config.EMBEDDED_PG_PORT, 'embedded PostgreSQL', 'EMBEDDED_PG_PORT');
    }
    if (!config.TEMPORAL_ADDRESS) {
      await assertPortFree(config.TEMPORAL_PORT, 'Temporal frontend', 'TEMPORAL_PORT');
      await assertPortFree(config.TEMPORAL_UI_PORT, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
    }
    if (!config.N8N_WEBHOOK_URL) {
      await assertPortFree(config.N8N_PORT, 'n8n', 'N8N_PORT');
      await assertPortFree(config.AGENT_SIMULATOR_PORT, 'agent simulator', 'AGENT_SIMULATOR_PORT');
      ensureN8n();
    }

    step(2, 'PostgreSQL');
    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl) {
      log.info(`using DATABASE_URL (${new URL(databaseUrl).host})`);
    } else {
      const pgDir = path.join(config.dataDir, 'postgres');
      log.info(`starting embedded PostgreSQL on port ${config.EMBEDDED_PG_PORT}, data in ${pgDir}`);
      const pg = await startEmbeddedPostgres({
        dataDir: pgDir,
        port: config.EMBEDDED_PG_PORT,
        database: config.EMBEDDED_PG_DATABASE,
        onLine: (l) => console.log(`[postgres] ${l}`),
      });
      watch(pg.process);
      databaseUrl = pg.url;
    }

    step(3, 'Temporal');
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUi: string | undefined;
    if (temporalAddress) {
      log.info(`using TEMPORAL_ADDRESS ${temporalAddress}`);
      await waitForTemporal(temporalAddress, 30_000);
      await ensureSearchAttributes(temporalAddress, config.TEMPORAL_NAMESPACE);
    } else {
      const dbFile = path.join(config.dataDir, 'temporal', 'temporal.db');
      log.info(
        `starting the Temporal dev server on port ${config.TEMPORAL_PORT}, state in ${dbFile}`,
      );
      const temporal = await startTemporalDevServer({
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile,
        namespace: config.TEMPORAL_NAMESPACE,
        // Its structured WARN lines are mostly shutdown chatter; errors and banners pass.
        onLine: (l) => {
          if (!l.startsWith('time=') || l.includes('level=ERROR')) console.log(`[temporal] ${l}`);
        },
      });
      watch(temporal.process);
      temporalAddress = temporal.address;
      temporalUi = temporal.uiUrl;
    }

    step(4, 'migrations');
    await runMigrations(databaseUrl);

    step(5, 'n8n and the agent simulator');
    const secrets = loadOrCreateSecrets(config.dataDir);
    const hmacSecret = config.N8N_HMAC_SECRET ?? secrets.n8nHmacSecret;
    let n8nWebhookUrl = config.N8N_WEBHOOK_URL;
    let n8nUrl: string | undefined;
    if (n8nWebhookUrl) {
      log.info(`using N8N_WEBHOOK_URL ${n8nWebhookUrl}`);
    } else {
      const agents = startProcess({
        name: 'agents',
        command: process.execPath,
        args: ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/agents/main.ts')],
        cwd: PROJECT_ROOT,
        onLine: (l) => console.log(l),
      });
      watch(agents);
      const agentUrl = `http://127.0.0.1:${config.AGENT_SIMULATOR_PORT}`;
      await waitUntil(
        'the agent simulator answered',
        async () => (await fetch(`${agentUrl}/health`)).ok,
        {
          timeoutMs: 30_000,
          process: agents,
        },
      );
      log.info(
        `starting n8n on port ${config.N8N_PORT}, data in ${path.join(config.dataDir, 'n8n')}`,
      );
      const n8n = await startN8n({
        port: config.N8N_PORT,
        userFolder: path.join(config.dataDir, 'n8n'),
        encryptionKey: config.N8N_ENCRYPTION_KEY ?? secrets.n8nEncryptionKey,
        agentUrl,
        hmacSecret,
        // n8n is chatty; its errors and warnings still show.
        onLine: (l) => {
          if (/error|warn/i.test(l) && !/deprecat/i.test(l)) console.log(`[n8n] ${l}`);
        },
      });
      watch(n8n.process);
      n8nWebhookUrl = n8n.webhookUrl;
      n8nUrl = n8n.url;
    }

    step(6, 'worker and API');
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      JWT_SECRET: config.JWT_SECRET ?? secrets.jwtSecret,
      N8N_HMAC_SECRET: hmacSecret,
      N8N_WEBHOOK_URL: n8nWebhookUrl,
    };
    const spawnService = (name: string, entry: string) =>
      startProcess({
        name,
        command: process.execPath,
        args: ['--import', 'tsx', path.join(PROJECT_ROOT, entry)],
        env,
        cwd: PROJECT_ROOT,
        onLine: (l) => console.log(l),
      });
    const worker = spawnService('worker', 'src/worker.ts');
    watch(worker);
    const api = spawnService('api', 'src/api/server.ts');
    watch(api);
    const apiUrl = `http://${config.HOST}:${config.PORT}`;
    await waitUntil('the API answered /health', async () => (await fetch(`${apiUrl}/health`)).ok, {
      timeoutMs: 60_000,
      process: api,
    });
    await waitUntil(
      'the worker polled its task queue',
      () => Promise.resolve(worker.recentOutput().includes('polling')),
      {
        timeoutMs: 120_000,
        process: worker,
      },
    );

    const rows: [string, string][] = [
      ['API', apiUrl],
      ['Health', `${apiUrl}/health`],
      ['Temporal', temporalAddress],
      ['Temporal UI', temporalUi ?? '(external server)'],
      ['n8n', n8nUrl ?? n8nWebhookUrl],
      ['PostgreSQL', new URL(databaseUrl).host + new URL(databaseUrl).pathname],
      ['Task queue', config.TEMPORAL_TASK_QUEUE],
      ['Data', config.DATA_DIR],
    ];
    console.log(
      `\nRexera workflow worker is up:\n${rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n')}\n\nPress Ctrl-C to stop.`,
    );
  } catch (err) {
    log.error(err instanceof Error ? err.message : String(err));
    await shutdown(1);
  }
}

runIfMain(import.meta.url, 'start', main);
