import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskExecutions } from '../../db/schema/index.js';
import { createAgentSimulator } from '../../src/dev/agents/simulator.js';
import { communicationUrlBeside } from '../../activities/n8n.js';
import { startN8n, type EmbeddedN8n, type N8nOptions } from '../../src/dev/n8n.js';
import { getFreePort } from '../../src/dev/ports.js';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { call, signedHeaders, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { createHarness, rowCounts, type Harness } from '../helpers/business.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { tempDataDir } from '../helpers/embedded.js';
import { bundleWorkflows } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

// The whole chain with nothing faked but the agents: API -> Temporal -> worker -> real n8n ->
// agent simulator -> n8n -> signed callback -> API -> Temporal.

let t: TestDatabase;
let h: Harness;
let n8n: EmbeddedN8n;
let n8nOptions: N8nOptions;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
const sim = createAgentSimulator({ delayMs: 20 });
const data = tempDataDir('n8n');

beforeAll(async () => {
  const simPort = await getFreePort();
  await sim.listen(simPort);
  const apiPort = await getFreePort();
  n8nOptions = {
    port: await getFreePort(),
    userFolder: path.join(data.dir, 'n8n'),
    encryptionKey: randomBytes(24).toString('base64url'),
    agentUrl: `http://127.0.0.1:${simPort}`,
    hmacSecret: TEST_SECRETS.n8nHmacSecret,
  };
  n8n = await startN8n(n8nOptions);
  t = await createTestDatabase();
  h = await createHarness(t, await bundleWorkflows(), {
    n8n: {
      webhookUrl: n8n.webhookUrl,
      callbackUrl: `http://127.0.0.1:${apiPort}/api/task-outcomes`,
    },
  });
  api = await startTestApi({ databaseUrl: t.url, taskQueue: h.taskQueue, port: apiPort });
  await h.startWorker();
  world = await seedWorld(t.db);
}, 240_000);
afterAll(async () => {
  await api?.close();
  await h?.close();
  await n8n?.stop();
  await sim.close();
  await t?.drop();
  data.remove();
});

/** A stand-in for our callback endpoint, for dispatches that belong to no workflow of ours. */
async function startCallbackReceiver() {
  const callbacks: { taskExecutionId: string; status: string }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const { outcome } = JSON.parse(raw) as {
        outcome: { taskExecutionId: string; status: string };
      };
      callbacks.push({ taskExecutionId: outcome.taskExecutionId, status: outcome.status });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"applied"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    callbacks,
    /** Posts a dispatch to n8n as the worker does, the task execution ID as idempotency key. */
    dispatch: (taskExecutionId: string) =>
      fetch(n8n.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': taskExecutionId },
        body: JSON.stringify({
          taskExecutionId,
          workflowId: randomUUID(),
          temporalWorkflowId: 'workflow-dedupe-test',
          taskType: 'research_municipality',
          agent: 'Nina',
          attempt: 1,
          input: {},
          idempotencyKey: taskExecutionId,
          callbackUrl: `http://127.0.0.1:${port}/api/task-outcomes`,
        }),
      }),
    callbackFor: (id: string) =>
      eventually(
        `the callback for ${id}`,
        () => callbacks.some((c) => c.taskExecutionId === id),
        60_000,
      ),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const reachedAgent = (id: string) => sim.calls.filter((c) => c.taskExecutionId === id);

const AGENT_STEPS = { PAYOFF: 6, HOA_ACQUISITION: 4, MUNICIPAL_LIEN_SEARCH: 5 } as const;
const ALL_STEPS = { PAYOFF: 6, HOA_ACQUISITION: 5, MUNICIPAL_LIEN_SEARCH: 5 } as const;

describe('failure paths through real n8n', () => {
  it('an agent error and an agent asking for a human both reach HIL, who resolve them through the API', async () => {
    const token = await tokenFor(world.people.clientA);
    const hil = await tokenFor(world.people.hil);
    const created = await call(`${api.url}/api/workflows`, {
      token,
      body: { workflowType: 'MUNICIPAL_LIEN_SEARCH', title: 'failing' },
    });
    const id = (created.body.workflow as { id: string }).id;
    sim.rules.unshift({
      workflowId: id,
      taskType: 'research_municipality',
      behaviour: 'fail',
      times: 1,
    });
    sim.rules.unshift({
      workflowId: id,
      taskType: 'portal_access',
      behaviour: 'needs-human',
      times: 1,
    });
    const openEscalation = (trigger: string) =>
      eventually(
        `a ${trigger} escalation`,
        async () => {
          const list = await call(`${api.url}/api/escalations`, { token: hil });
          return (
            list.body.items as { escalation: { id: string; workflowId: string; trigger: string } }[]
          )
            .map((e) => e.escalation)
            .find((e) => e.workflowId === id && e.trigger === trigger);
        },
        60_000,
      );

    const failed = await openEscalation('NON_RETRYABLE_FAILURE');
    const retry = await call(`${api.url}/api/escalations/${failed.id}/resolve`, {
      token: hil,
      body: { action: 'RETRY', note: 'try again' },
    });
    expect(retry.status).toBe(200);
    const human = await openEscalation('AGENT_NEEDS_HUMAN');
    const done = await call(`${api.url}/api/escalations/${human.id}/resolve`, {
      token: hil,
      body: {
        action: 'COMPLETE',
        output: { searched: 1, documentsFound: 1 },
        note: 'searched by hand',
      },
    });
    expect(done.status).toBe(200);
    expect(
      (
        await h.client.workflow
          .getHandle<typeof businessWorkflow>(`municipal-lien-search-${id}`)
          .result()
      ).status,
    ).toBe('COMPLETED');
    const calls = sim.calls
      .filter((c) => c.workflowId === id)
      .map((c) => `${c.taskType}:${c.behaviour}`);
    expect(calls).toEqual([
      'research_municipality:fail',
      'research_municipality:ok',
      'portal_access:needs-human',
      'process_documents:ok',
      'quality_validation:ok',
      'generate_invoice:ok',
    ]);
  }, 120_000);
});

describe('n8n itself', () => {
  it('acknowledges a dispatch with 202 at once, and a repeated dispatch (same idempotency key) does not reach the agent again', async () => {
    const receiver = await startCallbackReceiver();
    try {
      const first = randomUUID();
      expect((await receiver.dispatch(first)).status).toBe(202);
      await receiver.callbackFor(first);

      // The same dispatch again (a retry after a lost answer), then another task behind it.
      expect((await receiver.dispatch(first)).status).toBe(202);
      const second = randomUUID();
      expect((await receiver.dispatch(second)).status).toBe(202);
      await receiver.callbackFor(second);
      await new Promise((r) => setTimeout(r, 1000)); // room for a wrongly repeated agent call
      expect(reachedAgent(first)).toHaveLength(1);
      expect(reachedAgent(second)).toHaveLength(1);
      expect(receiver.callbacks.filter((c) => c.taskExecutionId === first)).toEqual([
        { taskExecutionId: first, status: 'COMPLETED' },
      ]);
    } finally {
      await receiver.close();
    }
  }, 90_000);

  it('sends an outbound message through its channel connector once, and says why when it cannot', async () => {
    const url = communicationUrlBeside(n8n.webhookUrl);
    const workflowId = randomUUID();
    const message = () => {
      const communicationId = randomUUID();
      return {
        communicationId,
        workflowId,
        taskExecutionId: randomUUID(),
        channel: 'EMAIL',
        to: 'docs@maplegrove.example',
        subject: 'Follow-up 1: hoa documents request',
        body: 'Following up on our request.',
        idempotencyKey: communicationId,
      };
    };
    const post = async (body: unknown) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const first = message();
    const sent = await post(first);
    expect(sent).toEqual({
      status: 200,
      body: { status: 'SENT', providerMessageId: `<${first.communicationId}@mail.simulator>` },
    });
    expect(await post(first)).toEqual(sent); // asked again: the same message, not a second one
    expect(sim.sends.filter((s) => s.communicationId === first.communicationId)).toMatchObject([
      { to: 'docs@maplegrove.example', subject: first.subject },
    ]);

    sim.rules.unshift({ workflowId, taskType: 'send_communication', behaviour: 'fail', times: 1 });
    const refused = await post(message());
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 'FAILED' });
    expect(String(refused.body.error)).toContain('422');

    sim.rules.unshift({
      workflowId,
      taskType: 'send_communication',
      behaviour: 'fail-retryable',
      times: 1,
    });
    const down = await post(message());
    expect(down.status).toBe(502);
    expect(down.body).toMatchObject({ status: 'FAILED' });
    expect(sim.sends.filter((s) => s.workflowId === workflowId)).toHaveLength(1);
  }, 60_000);

  it('stopped during a dispatch: the dispatch retries, and the workflow completes once n8n is back', async () => {
    await n8n.stop();
    const token = await tokenFor(world.people.clientA);
    const created = await call(`${api.url}/api/workflows`, {
      token,
      body: { workflowType: 'MUNICIPAL_LIEN_SEARCH', title: 'n8n down' },
    });
    const id = (created.body.workflow as { id: string }).id;
    await eventually('the dispatch to have failed at least once', async () => {
      const [task] = await t.db
        .select()
        .from(taskExecutions)
        .where(eq(taskExecutions.workflowId, id))
        .orderBy(asc(taskExecutions.stepIndex));
      return task?.status === 'RUNNING';
    });
    await new Promise((r) => setTimeout(r, 3000)); // a retry or two while n8n is down
    expect(sim.calls.filter((c) => c.workflowId === id)).toEqual([]);
    n8n = await startN8n(n8nOptions);
    expect(
      (
        await h.client.workflow
          .getHandle<typeof businessWorkflow>(`municipal-lien-search-${id}`)
          .result()
      ).status,
    ).toBe('COMPLETED');
    expect(sim.calls.filter((c) => c.workflowId === id)).toHaveLength(5);
  }, 180_000);
});

describe('end to end through real n8n', () => {
  it.each(Object.keys(AGENT_STEPS) as (keyof typeof AGENT_STEPS)[])(
    '%s completes, each task reaching its agent exactly once',
    async (type) => {
      const token = await tokenFor(world.people.clientA);
      const created = await call(`${api.url}/api/workflows`, {
        token,
        body: { workflowType: type, title: `${type} e2e` },
      });
      expect(created.status).toBe(201);
      const id = (created.body.workflow as { id: string }).id;
      // The ID names the business type (payoff-<row id>, ...); the API says which.
      expect(created.body.temporalWorkflowId).toMatch(new RegExp(`^[a-z-]+-${id}$`));
      const handle = h.client.workflow.getHandle<typeof businessWorkflow>(
        created.body.temporalWorkflowId as string,
      );
      if (type !== 'MUNICIPAL_LIEN_SEARCH') {
        // The counterparty answers (the lender's statement, the HOA's documents), through the API.
        await eventually(
          'the request to the counterparty',
          () =>
            sim.calls.some(
              (c) =>
                c.workflowId === id && ['send_payoff_request', 'send_request'].includes(c.taskType),
            ),
          60_000,
        );
        const kind = type === 'PAYOFF' ? 'PAYOFF_STATEMENT' : 'HOA_DOCUMENTS';
        const body = JSON.stringify({
          documentId: randomUUID(),
          kind,
          filename: 'answer.pdf',
          storageUrl: 's3://e2e/answer.pdf',
        });
        const res = await fetch(`${api.url}/api/workflows/${id}/documents`, {
          method: 'POST',
          headers: signedHeaders(body),
          body,
        });
        expect(res.status).toBe(200);
      }
      expect((await handle.result()).status).toBe('COMPLETED');

      const mine = sim.calls.filter((c) => c.workflowId === id);
      expect(mine).toHaveLength(AGENT_STEPS[type]);
      expect(new Set(mine.map((c) => c.taskExecutionId)).size).toBe(AGENT_STEPS[type]);
      const tasks = await t.db
        .select()
        .from(taskExecutions)
        .where(eq(taskExecutions.workflowId, id))
        .orderBy(asc(taskExecutions.stepIndex));
      expect(tasks.map((x) => [x.status, x.attempt])).toEqual(
        Array(ALL_STEPS[type]).fill(['COMPLETED', 1]),
      );
      expect(await rowCounts(t, id)).toMatchObject({
        task_executions: ALL_STEPS[type],
        sla_tracking: ALL_STEPS[type],
        escalations: 0,
        documents: type === 'MUNICIPAL_LIEN_SEARCH' ? 0 : 1,
        invoices: type === 'HOA_ACQUISITION' ? 0 : 1,
      });
    },
    120_000,
  );
});

// Last: it leaves n8n with a tiny dedupe history.
describe('n8n with its dedupe history full', () => {
  it('fails open: every dispatch still reaches the agent and calls back (repeats are no longer caught)', async () => {
    await n8n.stop();
    n8n = await startN8n({ ...n8nOptions, dedupeHistory: 2 }); // already holds more keys than 2
    const receiver = await startCallbackReceiver();
    try {
      const ids: string[] = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) expect((await receiver.dispatch(id)).status).toBe(202);
      for (const id of ids) await receiver.callbackFor(id);
      expect(ids.map((id) => reachedAgent(id).length)).toEqual([1, 1, 1]);
      expect(
        receiver.callbacks.filter((c) => ids.includes(c.taskExecutionId)).map((c) => c.status),
      ).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      expect((await receiver.dispatch(ids[0]!)).status).toBe(202);
      await eventually(
        'the repeat to reach the agent',
        () => reachedAgent(ids[0]!).length === 2,
        60_000,
      );
    } finally {
      await receiver.close();
    }
  }, 120_000);
});
