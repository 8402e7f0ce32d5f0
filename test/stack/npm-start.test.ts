import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/api/dev/demo-users.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { getFreePort } from '../../src/dev/ports.js';
import { TEMPORAL_CLI } from '../../src/dev/tools.js';
import { smokeWorkflow } from '../../workflows/index.js';
import { tempDataDir } from '../helpers/embedded.js';
import {
  freePorts,
  interrupt,
  launch,
  processesOf,
  processRunning,
  startStack as start,
  type Launched as Stack,
} from '../helpers/npm-start.js';
import { eventually } from '../helpers/wait.js';

describe('npm start', () => {
  const data = tempDataDir('stack');
  let running: Stack | undefined;
  afterAll(async () => {
    if (running && running.child.exitCode === null) await interrupt(running);
    data.remove();
  });

  it(
    'brings the stack up, restarts a worker that dies, stops it all on Ctrl-C in order, and a second start reuses the data',
    { timeout: 420_000 },
    async () => {
      const ports = await freePorts();
      const env = {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        DATA_DIR: data.dir,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
        N8N_WEBHOOK_URL: '',
        TEMPORAL_TASK_QUEUE: `stack-${randomUUID()}`,
      };
      const api = `http://127.0.0.1:${ports.PORT}`;
      const temporalAddress = `127.0.0.1:${ports.TEMPORAL_PORT}`;

      // First start: everything up, URLs printed.
      running = await start(env);
      expect(running.output()).toContain(`API          ${api}`);
      expect(running.output()).toContain(`Temporal UI  http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
      expect(running.output()).toContain(`n8n          http://127.0.0.1:${ports.N8N_PORT}`);
      // n8n is up with both webhooks live (a GET to a live POST-only webhook says so).
      for (const path of ['rexera-task', 'rexera-communication']) {
        const webhook = await fetch(`http://127.0.0.1:${ports.N8N_PORT}/webhook/${path}`);
        expect(await webhook.text(), path).toContain('not registered for GET');
      }
      expect((await fetch(`${api}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);

      // The HIL console: served at the URL printed, with the dev login, and a demo workflow
      // whose first agent (the simulator, through n8n) asks for a person.
      expect(running.output()).toContain(`Console      ${api}/console/`);
      const page = await fetch(`${api}/console/escalations`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      expect(await (await fetch(`${api}/api/console/settings`)).json()).toMatchObject({
        devLogin: true,
        demoEscalation: true,
        temporalUiUrl: `http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`,
      });
      const login = await fetch(`${api}/api/dev/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: DEMO_USERS.find((u) => u.key === 'hil')!.id }),
      });
      const staff = {
        authorization: `Bearer ${((await login.json()) as { token: string }).token}`,
      };
      const demo = await fetch(`${api}/api/dev/demo-escalation`, {
        method: 'POST',
        headers: staff,
      });
      expect(demo.status).toBe(201);
      const { workflowId: demoId } = (await demo.json()) as { workflowId: string };
      await eventually(
        'the demo escalation open',
        async () => {
          const list = (await (
            await fetch(`${api}/api/escalations`, { headers: staff })
          ).json()) as {
            items: { escalation: { workflowId: string; trigger: string } }[];
          };
          return list.items.some(
            (i) =>
              i.escalation.workflowId === demoId && i.escalation.trigger === 'AGENT_NEEDS_HUMAN',
          );
        },
        90_000,
      );
      const attributes = execFileSync(TEMPORAL_CLI, [
        'operator',
        'search-attribute',
        'list',
        '--address',
        temporalAddress,
      ]).toString();
      for (const [name, type] of [
        ['RexeraWorkflowType', 'Keyword'],
        ['RexeraStatus', 'Keyword'],
        ['RexeraSlaLevel', 'Keyword'],
        ['RexeraCurrentTask', 'Keyword'],
        ['RexeraClientId', 'Keyword'],
        ['RexeraDueAt', 'Datetime'],
      ]) {
        expect(attributes).toMatch(new RegExp(`${name}\\s+${type}`));
      }

      // The worker runs workflows; leave a row and a workflow behind to find after a restart.
      const workflowId = `stack-smoke-${randomUUID()}`;
      const connection = await Connection.connect({ address: temporalAddress });
      expect(
        await new Client({ connection }).workflow.execute(smokeWorkflow, {
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          workflowId,
          args: [{}],
        }),
      ).toBe('smoke ok (none)');
      await connection.close();
      const password = fs.readFileSync(
        path.join(data.dir, 'postgres', 'superuser-password'),
        'utf8',
      );
      const dbUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ports.EMBEDDED_PG_PORT}/rexera`;
      const db = new pg.Client({ connectionString: dbUrl });
      await db.connect();
      await db.query(`INSERT INTO clients (name) VALUES ('Kept across restarts')`);
      await db.end();

      // The worker dies: the launcher says so, starts a new one, and workflows created
      // through the API afterwards run to the end (through n8n and the agents).
      const stack = running;
      const workerPid = processRunning(data.dir, 'src/worker.ts');
      expect(workerPid).toBeDefined();
      process.kill(workerPid!, 'SIGKILL');
      await eventually(
        'the launcher to restart the worker',
        () => stack.output().includes('worker is up again (restart 1'),
        120_000,
      );
      // ... with the dead worker's last lines.
      expect(stack.output()).toMatch(
        /worker exited \(code null, signal SIGKILL\); restarting in 1 s \(restart 1\)\. Its last output:\n( {4}\| .*\n)* {4}\| \[worker\] polling task queue/,
      );
      const newWorker = processRunning(data.dir, 'src/worker.ts');
      expect(newWorker).toBeDefined();
      expect(newWorker).not.toBe(workerPid);
      const users = execFileSync(
        process.execPath,
        ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/dev/users.ts')],
        { cwd: PROJECT_ROOT, env },
      ).toString();
      const token = /CLIENT_TOKEN=(\S+)/.exec(users)![1]!;
      const created = await fetch(`${api}/api/workflows`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ workflowType: 'MUNICIPAL_LIEN_SEARCH', title: 'After a restart' }),
      });
      expect(created.status).toBe(201);
      const { id } = ((await created.json()) as { workflow: { id: string } }).workflow;
      const status = await eventually(
        'the workflow to complete',
        async () => {
          const got = await fetch(`${api}/api/workflows/${id}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const { workflow } = (await got.json()) as { workflow: { status: string } };
          return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(workflow.status)
            ? workflow.status
            : undefined;
        },
        120_000,
      );
      expect(status).toBe('COMPLETED');

      // Ctrl-C: exit 0, nothing left running, the worker stopped first and PostgreSQL last.
      expect(processesOf(data.dir).length).toBeGreaterThanOrEqual(4);
      expect(await interrupt(running)).toBe(0);
      const stops = ['worker', 'n8n', 'agents', 'api', 'temporal', 'postgres'].map((name) =>
        running!.output().indexOf(`[start] ${name} stopped (`),
      );
      expect(stops.every((at) => at > 0)).toBe(true);
      expect([...stops].sort((a, b) => a - b)).toEqual(stops);
      expect(processesOf(data.dir)).toEqual([]);

      // Second start: same database rows, same Temporal history.
      running = await start(env);
      const db2 = new pg.Client({ connectionString: dbUrl });
      await db2.connect();
      const { rows } = await db2.query(
        `SELECT name FROM clients WHERE name = 'Kept across restarts'`,
      );
      await db2.end();
      expect(rows).toHaveLength(1);
      const connection2 = await Connection.connect({ address: temporalAddress });
      const described = await new Client({ connection: connection2 }).workflow
        .getHandle(workflowId)
        .describe();
      await connection2.close();
      expect(described.status.name).toBe('COMPLETED');

      expect(await interrupt(running)).toBe(0);
      expect(processesOf(data.dir)).toEqual([]);
    },
  );

  it('names the port when the API port is taken', { timeout: 300_000 }, async () => {
    const blocker = (await import('node:net')).createServer();
    const port = await getFreePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    const other = tempDataDir('stack-busy');
    try {
      const env = {
        ...process.env,
        PORT: String(port),
        EMBEDDED_PG_PORT: String(await getFreePort()),
        TEMPORAL_PORT: String(await getFreePort()),
        TEMPORAL_UI_PORT: String(await getFreePort()),
        N8N_PORT: String(await getFreePort()),
        AGENT_SIMULATOR_PORT: String(await getFreePort()),
        DATA_DIR: other.dir,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
      };
      const { child, output } = launch(env);
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).toBe(1);
      expect(output()).toContain(`Port ${port} (API) is already in use`);
      expect(output()).toContain('set PORT to another port');
      expect(processesOf(other.dir)).toEqual([]);
    } finally {
      blocker.close();
      other.remove();
    }
  });
});
