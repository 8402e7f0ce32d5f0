import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/api/auth/jwt.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { tempDataDir } from '../helpers/embedded.js';
import {
  freePorts,
  interrupt,
  processRunning,
  startStack,
  type Launched,
} from '../helpers/npm-start.js';
import type { BatchTarget } from './batch.js';
import { withFault } from './scenario.js';
import { progress } from './stack.js';
import { printSummary } from './summary.js';

// The launcher itself under faults: `npm start` stopped with Ctrl-C mid-batch and started
// again on its data, and a worker SIGKILLed under it (the launcher restarts it). Time runs
// 60 times faster (WORKFLOW_TIME_SCALE), as in processes.test.ts.

const data = tempDataDir('faults-npm-start');
let env: NodeJS.ProcessEnv;
let launcher: Launched | undefined;
let target: BatchTarget;

/** `npm start`, up. */
async function start() {
  launcher = await startStack(env);
}

/** The worker process `npm start` runs. */
const workerPid = () => processRunning(data.dir, 'src/worker.ts');

beforeAll(async () => {
  const ports = await freePorts();
  env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))),
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    NODE_ENV: 'development',
    DATA_DIR: data.dir,
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    N8N_WEBHOOK_URL: '',
    TEMPORAL_TASK_QUEUE: `faults-${randomUUID()}`,
    WORKFLOW_TIME_SCALE: String(1 / 60),
    AGENT_SIMULATOR_DELAY_MS: '100',
  };
  progress('npm start ...');
  await start();
  // A client user, through the project's own dev-users script (what a new user runs).
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/dev/users.ts')], {
    cwd: PROJECT_ROOT,
    env,
  });
  const secrets = JSON.parse(fs.readFileSync(path.join(data.dir, 'secrets.json'), 'utf8')) as {
    jwtSecret: string;
    n8nHmacSecret: string;
  };
  const password = fs.readFileSync(path.join(data.dir, 'postgres', 'superuser-password'), 'utf8');
  const pool = new pg.Pool({
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ports.EMBEDDED_PG_PORT}/rexera`,
    max: 4,
    connectionTimeoutMillis: 3_000,
  });
  pool.on('error', () => undefined);
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM user_profiles WHERE user_type = 'CLIENT' ORDER BY created_at LIMIT 1`,
  );
  target = {
    apiUrl: `http://127.0.0.1:${ports.PORT}`,
    token: await mintToken(secrets.jwtSecret, { sub: rows[0]!.id }),
    hmacSecret: secrets.n8nHmacSecret,
    pool,
    recentOutput: () => launcher?.output().slice(-6000) ?? '',
    temporalAddress: `127.0.0.1:${ports.TEMPORAL_PORT}`,
  };
}, 420_000);
afterAll(async () => {
  printSummary();
  if (launcher) await interrupt(launcher);
  await target?.pool.end().catch(() => undefined);
  data.remove();
});

describe('npm start under faults, mid-batch', () => {
  it('stopped with Ctrl-C, then started again on its data', { timeout: 600_000 }, async () => {
    await withFault(
      () => target,
      'npm start: Ctrl-C, then npm start again',
      async () => {
        expect(await interrupt(launcher!)).toBe(0);
        // Nothing was stopped before what depends on it: n8n's callbacks landed first.
        const out = launcher!.output();
        const order = ['worker', 'n8n', 'agents', 'api', 'temporal', 'postgres'].map((name) =>
          out.indexOf(`[start] ${name} stopped (`),
        );
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        progress('npm start again ...');
        await start();
      },
    );
  });

  it('its worker SIGKILLed: the launcher restarts it', { timeout: 600_000 }, async () => {
    await withFault(
      () => target,
      'npm start: worker SIGKILL',
      async () => {
        const pid = workerPid();
        expect(pid).toBeDefined();
        process.kill(pid!, 'SIGKILL');
        for (let i = 0; i < 600 && !launcher!.output().includes('worker is up again'); i++) {
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(launcher!.output()).toContain('worker is up again');
        expect(workerPid()).not.toBe(pid);
      },
    );
  });
});
