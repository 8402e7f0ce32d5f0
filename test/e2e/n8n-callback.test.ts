import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/api/auth/hmac.js';
import { createAgentSimulator } from '../../src/dev/agents/simulator.js';
import { startN8n, type EmbeddedN8n } from '../../src/dev/n8n.js';
import { getFreePort } from '../../src/dev/ports.js';
import { tempDataDir } from '../helpers/embedded.js';
import { eventually } from '../helpers/wait.js';

// n8n's callback to our API, on real n8n, when the API is not there for a while (a restart,
// a deploy), answers 503 (Temporal down), or refuses the outcome for good. The callback
// target is a small server here, so each try can be counted, timed and its signature checked.

/** n8n's retry budget in this file: room for (a), short enough for the give-up test. */
const RETRY_SECONDS = 25;

const sim = createAgentSimulator({ delayMs: 20 });
const data = tempDataDir('n8n-callback');
const hmacSecret = randomBytes(32).toString('base64url');
const n8nLines: string[] = [];
let n8n: EmbeddedN8n;
let cookie = '';

beforeAll(async () => {
  const simPort = await getFreePort();
  await sim.listen(simPort);
  n8n = await startN8n({
    port: await getFreePort(),
    userFolder: path.join(data.dir, 'n8n'),
    encryptionKey: randomBytes(24).toString('base64url'),
    agentUrl: `http://127.0.0.1:${simPort}`,
    hmacSecret,
    callbackRetrySeconds: RETRY_SECONDS,
    onLine: (l) => n8nLines.push(l),
  });
  // An owner, to read n8n's executions list as its editor does.
  const setup = await fetch(`${n8n.url}/rest/owner/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'owner@rexera.test',
      firstName: 'Test',
      lastName: 'Owner',
      password: `Pw1-${randomUUID()}`,
    }),
  });
  expect(setup.status).toBe(200);
  cookie = setup.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}, 240_000);
afterAll(async () => {
  await n8n?.stop();
  await sim.close();
  data.remove();
});

interface Try {
  at: number;
  taskExecutionId: string;
  timestamp: number;
  signed: boolean;
}

/**
 * The callback target: records each try (when, which task, whether its signature is valid
 * for its own timestamp) and answers `statusFor(n)` to the n-th try (1-based).
 */
async function callbackTarget(statusFor: (n: number) => number, port = 0) {
  const tries: Try[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const timestamp = String(req.headers['x-rexera-timestamp']);
      let signed = true;
      try {
        verifySignature({
          secret: hmacSecret,
          rawBody: raw,
          timestampHeader: timestamp,
          signatureHeader: req.headers['x-rexera-signature'] as string | undefined,
          toleranceSeconds: 300,
        });
      } catch {
        signed = false;
      }
      const { outcome } = JSON.parse(raw.toString()) as { outcome: { taskExecutionId: string } };
      tries.push({
        at: Date.now(),
        taskExecutionId: outcome.taskExecutionId,
        timestamp: Number(timestamp),
        signed,
      });
      const status = statusFor(tries.length);
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(status < 300 ? { result: 'applied' } : { error: { code: 'X' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    tries,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/task-outcomes`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Posts a dispatch to n8n as the worker does; n8n calls back to `callbackUrl`. */
async function dispatch(callbackUrl: string): Promise<string> {
  const taskExecutionId = randomUUID();
  const res = await fetch(n8n.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': taskExecutionId },
    body: JSON.stringify({
      taskExecutionId,
      workflowId: randomUUID(),
      temporalWorkflowId: 'workflow-callback-test',
      taskType: 'research_municipality',
      agent: 'Nina',
      attempt: 1,
      input: {},
      idempotencyKey: taskExecutionId,
      callbackUrl,
    }),
  });
  expect(res.status).toBe(202);
  return taskExecutionId;
}

/** The dispatch workflow's execution that handled this task, from n8n's executions list. */
async function executionOf(taskExecutionId: string) {
  const list = (await (
    await fetch(`${n8n.url}/rest/executions?limit=100`, { headers: { cookie } })
  ).json()) as { data: { results: { id: string; status: string }[] } };
  for (const e of list.data.results) {
    const text = await (
      await fetch(`${n8n.url}/rest/executions/${e.id}`, { headers: { cookie } })
    ).text();
    if (text.includes(taskExecutionId)) return { status: e.status, text };
  }
  return undefined;
}

/** Waits until that execution has finished (polling n8n gently), and returns it. */
async function finished(taskExecutionId: string) {
  const deadline = Date.now() + (RETRY_SECONDS + 30) * 1000;
  for (;;) {
    const e = await executionOf(taskExecutionId);
    if (e && e.status !== 'running' && e.status !== 'new') return e;
    if (Date.now() > deadline) throw new Error(`The execution of ${taskExecutionId} never ended`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const gaps = (tries: Try[]) => tries.slice(1).map((t, i) => t.at - tries[i]!.at);

describe("n8n's callback to the API", () => {
  it('is retried while the API refuses connections, and arrives exactly once when it is back', async () => {
    const port = await getFreePort(); // nothing listens there yet: connections are refused
    const id = await dispatch(`http://127.0.0.1:${port}/api/task-outcomes`);
    await eventually('the agent call', () => sim.calls.some((c) => c.taskExecutionId === id));
    await new Promise((r) => setTimeout(r, 10_000));
    const target = await callbackTarget(() => 200, port);
    try {
      await eventually('the callback', () => target.tries.length > 0, RETRY_SECONDS * 1000);
      const execution = await finished(id);
      expect(execution.status).toBe('success');
      await new Promise((r) => setTimeout(r, 2000)); // room for a wrong second delivery
      expect(target.tries.map((t) => [t.taskExecutionId, t.signed])).toEqual([[id, true]]);
      expect(sim.calls.filter((c) => c.taskExecutionId === id)).toHaveLength(1);
      // Each failed try was logged, with why and when the next comes.
      const retries = n8nLines.filter((l) => l.includes('[rexera-callback] try') && l.includes(id));
      expect(retries.length).toBeGreaterThanOrEqual(3);
      expect(retries[0]).toMatch(/try 1 failed \(ECONNREFUSED.*\); retrying in 1(\.\d)? s/);
      expect(n8nLines.some((l) => l.includes(`delivered on try ${retries.length + 1}`))).toBe(true);
    } finally {
      await target.close();
    }
  }, 90_000);

  it('is retried on 503 with growing pauses, each try signed anew, and delivered once', async () => {
    const target = await callbackTarget((n) => (n <= 3 ? 503 : 200));
    try {
      const id = await dispatch(target.url);
      await eventually('the fourth try', () => target.tries.length >= 4, RETRY_SECONDS * 1000);
      expect((await finished(id)).status).toBe('success');
      await new Promise((r) => setTimeout(r, 2000));
      expect(target.tries).toHaveLength(4);
      expect(target.tries.every((t) => t.taskExecutionId === id && t.signed)).toBe(true);
      // 1 s, 2 s, 4 s (each up to 20 % longer): spaced out, each pause about twice the last.
      const [g1, g2, g3] = gaps(target.tries) as [number, number, number];
      expect(g1).toBeGreaterThanOrEqual(950);
      expect(g1).toBeLessThan(2500);
      expect(g2).toBeGreaterThan(g1 * 1.4);
      expect(g3).toBeGreaterThan(g2 * 1.4);
      expect(g3).toBeLessThan(7000);
      // Re-signed: the last try carries its own, later timestamp.
      expect(target.tries[3]!.timestamp - target.tries[0]!.timestamp).toBeGreaterThanOrEqual(6);
    } finally {
      await target.close();
    }
  }, 90_000);

  it('is not retried when refused with 409 (stale): one call, the execution in error', async () => {
    const target = await callbackTarget(() => 409);
    try {
      const id = await dispatch(target.url);
      const execution = await finished(id);
      expect(execution.status).toBe('error');
      expect(execution.text).toContain('not retried: HTTP 409');
      await new Promise((r) => setTimeout(r, 3000)); // longer than the first pause
      expect(target.tries.map((t) => t.taskExecutionId)).toEqual([id]);
    } finally {
      await target.close();
    }
  }, 60_000);

  it('gives up after N8N_CALLBACK_RETRY_SECONDS: the execution ends in error, saying so', async () => {
    const target = await callbackTarget(() => 503);
    try {
      const started = Date.now();
      const id = await dispatch(target.url);
      const execution = await finished(id);
      expect(execution.status).toBe('error');
      expect(execution.text).toContain('gave up after 5 tries');
      // 1 + 2 + 4 + 8 s of pauses; the next (16 s) would end past the 25 s budget.
      expect(target.tries).toHaveLength(5);
      expect(Date.now() - started).toBeLessThan((RETRY_SECONDS + 10) * 1000);
      expect(n8nLines.some((l) => l.includes('giving up after 5 tries') && l.includes(id))).toBe(
        true,
      );
    } finally {
      await target.close();
    }
  }, 90_000);

  // Last: it stops n8n.
  it('told to stop, n8n lets a retrying callback finish before it exits', async () => {
    const port = await getFreePort();
    const id = await dispatch(`http://127.0.0.1:${port}/api/task-outcomes`);
    await eventually(
      'the first retry',
      () => n8nLines.some((l) => l.includes('try 1 failed') && l.includes(id)),
      30_000,
    );
    const began = Date.now();
    const stopping = n8n.stop();
    await new Promise((r) => setTimeout(r, 3000)); // the API comes back while n8n drains
    const target = await callbackTarget(() => 200, port);
    try {
      await stopping;
      expect(Date.now() - began).toBeGreaterThanOrEqual(3000);
      expect(n8nLines.some((l) => l.includes('Waiting for 1 active executions to finish'))).toBe(
        true,
      );
      expect(await n8n.process.exited).toEqual({ code: 0, signal: null });
      expect(target.tries.map((t) => [t.taskExecutionId, t.signed])).toEqual([[id, true]]);
    } finally {
      await target.close();
    }
  }, 90_000);
});
