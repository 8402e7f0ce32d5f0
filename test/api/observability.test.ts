import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createLogger, type LoggerOptions } from '../../src/log.js';
import { startTracing, type Tracing } from '../../src/tracing.js';
import { createWorker } from '../../src/worker.js';
import { startTestApi, tokenFor } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

// Structured logs and traces, on real servers: the API's JSON lines, and OTLP/HTTP spans sent
// to a real receiver (the collector's role) from the API, the Temporal client and the worker.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

/** A collector stand-in: keeps the spans POSTed to /v1/traces (OTLP JSON); acks n8n's dispatches. */
async function startReceiver() {
  const spans: { service: string; span: OtlpSpan }[] = [];
  const dispatches: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const data = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of data.resourceSpans) {
          const service =
            rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans)
            for (const span of ss.spans) spans.push({ service, span });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else if (req.method === 'POST' && req.url === '/webhook/rexera-task') {
        // n8n takes the task; its outcome never comes (the workflow waits).
        dispatches.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":true}');
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spans,
    dispatches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The API's log lines, as JSON. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination: LoggerOptions['destination'] = {
    write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
  };
  return { lines, destination };
}

const completions = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.msg === 'request completed');

let t: TestDatabase;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let tracing: Tracing;
let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: { worker: Worker; close: () => Promise<void>; done: Promise<void> };
let world: Awaited<ReturnType<typeof seedWorld>>;
let token: string;
const log = capture();
const taskQueue = `obs-${randomUUID()}`;

beforeAll(async () => {
  t = await createTestDatabase();
  world = await seedWorld(t.db);
  token = await tokenFor(world.people.clientA);
  receiver = await startReceiver();
  tracing = await startTracing({ endpoint: receiver.url, serviceName: 'rexera-test' });
  api = await startTestApi({
    databaseUrl: t.url,
    taskQueue,
    logger: createLogger('api', { level: 'info', format: 'json', destination: log.destination }),
    tracing,
  });
  const built = await createWorker({
    databaseUrl: t.url,
    temporalAddress: inject('temporalAddress'),
    namespace: 'default',
    taskQueue,
    n8nWebhookUrl: `${receiver.url}/webhook/rexera-task`,
    callbackUrl: `${api.url}/api/task-outcomes`,
    tracing,
  });
  worker = { ...built, done: built.worker.run() };
});

afterAll(async () => {
  worker?.worker.shutdown();
  await worker?.done;
  await worker?.close();
  await api?.close();
  await tracing?.shutdown();
  await receiver?.close();
  await t?.drop();
});

describe('request IDs and the request log', () => {
  it("keeps a sane X-Request-Id, echoes it, and logs the request's line with it", async () => {
    const res = await fetch(`${api.url}/health`, { headers: { 'x-request-id': 'lb-7f3a.01' } });
    expect(res.headers.get('x-request-id')).toBe('lb-7f3a.01');
    const line = await eventually('the line', () =>
      completions(log.lines).find((l) => l.requestId === 'lb-7f3a.01'),
    );
    expect(line).toMatchObject({
      level: 'info',
      name: 'api',
      method: 'GET',
      route: '/health',
      status: res.status,
    });
    expect(typeof line.durationMs).toBe('number');
  });

  it('makes a UUID when there is none or it is not a plain token of at most 128 characters', async () => {
    for (const header of [undefined, 'has spaces in it', 'x'.repeat(129), '<script>']) {
      const res = await fetch(`${api.url}/api/nothing-here`, {
        headers: header ? { 'x-request-id': header } : {},
      });
      expect(res.status).toBe(404);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const line = await eventually('the line', () =>
        completions(log.lines).find((l) => l.requestId === id),
      );
      expect(line).toMatchObject({ method: 'GET', path: '/api/nothing-here', status: 404 });
    }
  });
});

describe('a workflow started through the API', () => {
  it('is traced from the HTTP request through StartWorkflow to its activities, in one trace', async () => {
    const requestId = `req-${randomUUID()}`;
    const res = await fetch(`${api.url}/api/workflows`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({ workflowType: 'PAYOFF', title: 'Payoff, 12 Elm St' }),
    });
    expect(res.status).toBe(201);
    const { temporalWorkflowId } = (await res.json()) as { temporalWorkflowId: string };

    // The request's line: who, what, and the workflow it started.
    const line = await eventually('the line', () =>
      completions(log.lines).find((l) => l.requestId === requestId),
    );
    expect(line).toMatchObject({
      method: 'POST',
      route: '/api/workflows',
      status: 201,
      userId: world.people.clientA,
      workflowIds: [temporalWorkflowId],
    });
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);

    // The first agent task reaches "n8n": the workflow ran its activities.
    await eventually('the dispatch', () => receiver.dispatches.length > 0 || undefined, 30_000);
    const inTrace = await eventually(
      'the spans',
      async () => {
        await tracing.flush();
        const mine = receiver.spans.filter((s) => s.span.traceId === line.traceId);
        const names = mine.map((s) => s.span.name);
        return names.includes('POST /api/workflows') &&
          names.some((n) => n.startsWith('StartWorkflow:')) &&
          names.includes('RunActivity:dispatchTask')
          ? mine
          : undefined;
      },
      30_000,
    );
    const byName = (name: string) => inTrace.find((s) => s.span.name === name)!.span;
    const server = byName('POST /api/workflows');
    const start = inTrace.find((s) => s.span.name.startsWith('StartWorkflow:'))!.span;
    expect(start.parentSpanId).toBe(server.spanId);
    expect(server.attributes).toEqual(
      expect.arrayContaining([
        { key: 'http.route', value: { stringValue: '/api/workflows' } },
        { key: 'request.id', value: { stringValue: requestId } },
      ]),
    );
    // The workflow's own spans (made in the sandbox, exported through the worker's sink when
    // they end: RunWorkflow only when the workflow does) are the activities' parents.
    const scheduled = byName('StartActivity:initializeWorkflow');
    expect(byName('RunActivity:initializeWorkflow').parentSpanId).toBe(scheduled.spanId);
    expect(new Set(inTrace.map((s) => s.service))).toEqual(new Set(['rexera-test']));

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    await new Client({ connection }).workflow.getHandle(temporalWorkflowId).terminate('test done');
    await connection.close();
  });
});
