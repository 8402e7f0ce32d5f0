import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createJwtVerifier } from '../../src/api/auth/jwt.js';
import { createEventHub } from '../../src/api/events/hub.js';
import { createHealthService } from '../../src/api/health/service.js';
import { ROUTES } from '../../src/api/openapi.js';
import { call, signedHeaders, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { seedWorld } from '../helpers/world.js';

let t: TestDatabase;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
beforeAll(async () => {
  t = await createTestDatabase();
  api = await startTestApi({ databaseUrl: t.url });
  world = await seedWorld(t.db);
});
afterAll(async () => {
  await api?.close();
  await t?.drop();
});

/** "METHOD /path/{param}" of every route the Express app serves. */
function servedRoutes(): string[] {
  // An app built only to be looked at: nothing in it connects to anything.
  const app = createApp({
    pool: new pg.Pool(),
    temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:9' }) }),
    verifyJwt: createJwtVerifier(TEST_SECRETS.jwtSecret),
    hmac: { secret: TEST_SECRETS.n8nHmacSecret, toleranceSeconds: 300 },
    taskQueue: 'none',
    updateTimeoutMs: 1000,
    health: createHealthService({
      pool: new pg.Pool(),
      temporal: Connection.lazy({ address: '127.0.0.1:9' }),
    }),
    hub: createEventHub('postgres://127.0.0.1:9/none', () => undefined),
    log: () => undefined,
    // Every optional route mounted too: each must be documented.
    devLogin: { jwtSecret: TEST_SECRETS.jwtSecret },
  });
  type Layer = {
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  };
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          out.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.sort();
}

describe('the OpenAPI document', () => {
  it('lists exactly the routes the API serves', () => {
    expect(ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort()).toEqual(servedRoutes());
  });

  it('is served at /openapi.json as OpenAPI 3.1, with request schemas from the zod schemas', async () => {
    const res = await call(`${api.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                { schema: { properties: Record<string, unknown>; additionalProperties: boolean } }
              >;
            };
          }
        >
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const create =
      doc.paths['/api/workflows']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(create.properties)).toEqual(
      expect.arrayContaining(['workflowType', 'title', 'priority', 'metadata']),
    );
    expect(create.additionalProperties).toBe(false);
  });
});

describe('the dev login', () => {
  it('is not there unless DEV_LOGIN is on (nor its demo escalation)', async () => {
    expect((await call(`${api.url}/api/dev/users`)).status).toBe(404);
    const login = await call(`${api.url}/api/dev/login`, { body: { userId: world.people.hil } });
    expect(login.status).toBe(404);
    const settings = await call(`${api.url}/api/console/settings`);
    expect(settings.body).toMatchObject({ devLogin: false, demoEscalation: false });
  });
});

describe('GET /metrics', () => {
  it('counts requests by route and reports open escalations by SLA level', async () => {
    await call(`${api.url}/api/workflows/${randomUUID()}`, {
      token: await tokenFor(world.people.hil),
    });
    const res = await fetch(`${api.url}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/workflows\/:id",status="404"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/workflows\/:id"\}/,
    );
    // seedWorld opened one escalation per organisation, both on GREEN clocks.
    expect(text).toMatch(/rexera_open_escalations\{sla_level="GREEN"\} 2/);
  });
});

describe('bad input', () => {
  it('413 for a body over the limit, 415 for a body that is not JSON, 400 naming unknown fields', async () => {
    const token = await tokenFor(world.people.clientA);
    const huge = JSON.stringify({
      workflowType: 'PAYOFF',
      title: 'x',
      metadata: { blob: 'x'.repeat(300_000) },
    });
    expect((await call(`${api.url}/api/workflows`, { token, body: huge })).status).toBe(413);
    const text = await call(`${api.url}/api/workflows`, {
      token,
      body: 'title=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const unknown = await call(`${api.url}/api/workflows`, {
      token,
      body: { workflowType: 'PAYOFF', title: 'x', colour: 'red' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error!.message).toContain('colour');
    const broken = await call(`${api.url}/api/workflows`, { token, body: '{"workflowType":' });
    expect(broken.status).toBe(400);
    expect(
      (await call(`${api.url}/api/workflows/not-a-uuid`, { token })).body.error!.message,
    ).toContain('params.id');
  });

  it('never answers 500 nor changes a row, whatever the body (property-based)', async () => {
    const counts = async () =>
      (
        await t.pool.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM workflows) + (SELECT count(*) FROM audit_events) + (SELECT count(*) FROM task_executions)
             + (SELECT count(*) FROM escalations) + (SELECT count(*) FROM documents) AS n`,
        )
      ).rows[0]!.n;
    const before = await counts();
    const clientToken = await tokenFor(world.people.clientA);
    const hilToken = await tokenFor(world.people.hil);
    const [escalation] = (await t.pool.query<{ id: string }>('SELECT id FROM escalations LIMIT 1'))
      .rows;
    const targets: { path: string; headers: (body: string) => Record<string, string> }[] = [
      {
        path: '/api/workflows',
        headers: () => ({
          'content-type': 'application/json',
          authorization: `Bearer ${clientToken}`,
        }),
      },
      {
        path: `/api/workflows/${world.workflowIds.A}/cancel`,
        headers: () => ({
          'content-type': 'application/json',
          authorization: `Bearer ${clientToken}`,
        }),
      },
      {
        path: `/api/escalations/${escalation!.id}/assign`,
        headers: () => ({
          'content-type': 'application/json',
          authorization: `Bearer ${hilToken}`,
        }),
      },
      {
        path: `/api/escalations/${escalation!.id}/resolve`,
        headers: () => ({
          'content-type': 'application/json',
          authorization: `Bearer ${hilToken}`,
        }),
      },
      { path: '/api/task-outcomes', headers: (body) => signedHeaders(body) },
      {
        path: `/api/workflows/${world.workflowIds.A}/documents`,
        headers: (body) => signedHeaders(body),
      },
      { path: '/api/task-outcomes', headers: () => ({ 'content-type': 'application/json' }) },
    ];
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.jsonValue(), async (target, value) => {
        const body = JSON.stringify(value) ?? 'null';
        const res = await fetch(`${api.url}${target.path}`, {
          method: 'POST',
          headers: target.headers(body),
          body,
        });
        const json = (await res.json()) as { error?: { message?: string } };
        seen.add(res.status);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(json.error?.message).toBeTruthy();
      }),
      { numRuns: 300 },
    );
    expect(await counts()).toBe(before);
    expect([...seen].sort()).toEqual(expect.arrayContaining([400, 401]));
  });
});
