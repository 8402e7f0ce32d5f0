import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflows } from '../../db/schema/index.js';
import { call, signedHeaders, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

// A message for a workflow that is not running is told apart exactly: unknown workflow (404),
// unknown task (404, from the workflow's validator), ended workflow (409 `closed`), for the
// task outcomes, the inbound documents and the escalation commands.

let t: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
const tokens = {} as Record<'client' | 'hil', string>;

beforeAll(async () => {
  ({ t, h } = await startHarness({
    // The first agent asks for a human; nothing else answers (the workflows wait).
    script: ({ dispatch, count }) =>
      dispatch.taskType === 'identify_lender_contact' && count === 1
        ? { status: 'NEEDS_HUMAN', reason: 'Which lender?' }
        : { status: 'SILENT' },
  }));
  api = await startTestApi({ databaseUrl: t.url, taskQueue: h.taskQueue });
  h.standIn.useApi({ url: api.url, secret: TEST_SECRETS.n8nHmacSecret });
  world = await seedWorld(t.db);
  tokens.client = await tokenFor(world.people.clientA);
  tokens.hil = await tokenFor(world.people.hil);
});
afterAll(async () => {
  await api?.close();
  await stopHarness(t, h);
});

const payoff = { workflowType: 'PAYOFF', title: 'Payoff for 12 Elm St' };

function signedPost(path: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return call(`${api.url}${path}`, { body, headers: signedHeaders(body) });
}

const outcomeFor = (taskExecutionId: string) => ({
  taskExecutionId,
  attempt: 1,
  status: 'COMPLETED',
  output: { lender: 'First Federal Bank' },
});

const documentFor = () => ({
  documentId: randomUUID(),
  kind: 'PAYOFF_STATEMENT',
  filename: 'statement.pdf',
  storageUrl: 's3://docs/statement.pdf',
});

async function documentCount(): Promise<number> {
  const { rows } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM documents');
  return rows[0]!.n;
}

/** A PAYOFF created through the API, once its first agent has asked for a human. */
async function blockedPayoff() {
  const created = await call(`${api.url}/api/workflows`, { token: tokens.client, body: payoff });
  expect(created.status).toBe(201);
  const id = (created.body.workflow as { id: string }).id;
  const escalation = await eventually('the escalation', async () => {
    const { rows } = await t.pool.query<{ id: string; task_execution_id: string }>(
      "SELECT id, task_execution_id FROM escalations WHERE workflow_id = $1 AND status = 'OPEN'",
      [id],
    );
    return rows[0];
  });
  return { id, escalationId: escalation.id, taskExecutionId: escalation.task_execution_id };
}

describe('unknown workflow', () => {
  it('a task outcome or a document for a workflow ID that does not exist is 404 unknown_workflow, and changes nothing', async () => {
    const before = await documentCount();
    const unknown = randomUUID();
    const outcome = await signedPost('/api/task-outcomes', {
      workflowId: unknown,
      outcome: outcomeFor(randomUUID()),
    });
    expect(outcome.status).toBe(404);
    expect(outcome.body.error).toMatchObject({
      code: 'NOT_FOUND',
      details: { result: 'unknown_workflow' },
    });
    expect(outcome.body.error!.message).toContain(`Unknown workflow ${unknown}`);
    const document = await signedPost(`/api/workflows/${unknown}/documents`, documentFor());
    expect(document.status).toBe(404);
    expect(document.body.error).toMatchObject({ details: { result: 'unknown_workflow' } });
    expect(await documentCount()).toBe(before);
    const { rows } = await t.pool.query('SELECT 1 FROM workflows WHERE id = $1', [unknown]);
    expect(rows).toEqual([]);
  });

  it('a workflows row whose Temporal workflow never started is 404 not_started, for callbacks and escalation commands', async () => {
    // seedWorld's rows are PENDING and were never started, with an open escalation each.
    const id = world.workflowIds.A;
    const outcome = await signedPost('/api/task-outcomes', {
      workflowId: id,
      outcome: outcomeFor(randomUUID()),
    });
    expect(outcome.status).toBe(404);
    expect(outcome.body.error).toMatchObject({
      details: { result: 'not_started', status: 'PENDING' },
    });
    const { rows } = await t.pool.query<{ id: string }>(
      'SELECT id FROM escalations WHERE workflow_id = $1',
      [id],
    );
    const resolve = await call(`${api.url}/api/escalations/${rows[0]!.id}/resolve`, {
      token: tokens.hil,
      body: { action: 'SKIP', note: 'not needed' },
    });
    expect(resolve.status).toBe(404);
    expect(resolve.body.error).toMatchObject({ details: { result: 'not_started' } });
    const assign = await call(`${api.url}/api/escalations/${rows[0]!.id}/assign`, {
      token: tokens.hil,
      body: {},
    });
    expect(assign.status).toBe(404);
    expect(assign.body.error).toMatchObject({ details: { result: 'not_started' } });
  });
});

describe('unknown task', () => {
  it('an outcome for a task execution the running workflow does not know is 404 UnknownTaskExecution', async () => {
    const { id } = await blockedPayoff();
    const res = await signedPost('/api/task-outcomes', {
      workflowId: id,
      outcome: outcomeFor(randomUUID()),
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'NOT_FOUND',
      details: { reason: 'UnknownTaskExecution' },
    });
  });
});

describe('closed workflow', () => {
  it('an outcome, a document, a resolution or an assignment for an ended workflow is 409 closed', async () => {
    const { id, escalationId, taskExecutionId } = await blockedPayoff();
    const cancelled = await call(`${api.url}/api/workflows/${id}/cancel`, {
      token: tokens.client,
      body: { reason: 'The sale fell through' },
    });
    expect(cancelled.status).toBe(202);
    await expect(h.client.workflow.getHandle(`payoff-${id}`).result()).rejects.toThrow();
    const before = await documentCount();

    const outcome = await signedPost('/api/task-outcomes', {
      workflowId: id,
      outcome: outcomeFor(taskExecutionId),
    });
    expect(outcome.status).toBe(409);
    expect(outcome.body.error).toMatchObject({ code: 'CONFLICT', details: { result: 'closed' } });
    expect(outcome.body.error!.message).toContain('has ended');
    const document = await signedPost(`/api/workflows/${id}/documents`, documentFor());
    expect(document.status).toBe(409);
    expect(document.body.error).toMatchObject({ details: { result: 'closed' } });
    const resolve = await call(`${api.url}/api/escalations/${escalationId}/resolve`, {
      token: tokens.hil,
      body: { action: 'SKIP', note: 'not needed' },
    });
    expect(resolve.status).toBe(409);
    expect(resolve.body.error).toMatchObject({ details: { result: 'closed' } });
    const assign = await call(`${api.url}/api/escalations/${escalationId}/assign`, {
      token: tokens.hil,
      body: {},
    });
    expect(assign.status).toBe(409);
    expect(assign.body.error).toMatchObject({ details: { result: 'closed' } });
    expect(await documentCount()).toBe(before);
  });

  it('a row that has ended but whose Temporal history is gone (past retention) is 409 closed, not unknown', async () => {
    const now = new Date();
    const [row] = await t.db
      .insert(workflows)
      .values({
        workflowType: 'PAYOFF',
        clientId: world.orgA.id,
        title: 'Long done',
        status: 'COMPLETED',
        startedAt: now,
        completedAt: now,
      })
      .returning();
    const outcome = await signedPost('/api/task-outcomes', {
      workflowId: row!.id,
      outcome: outcomeFor(randomUUID()),
    });
    expect(outcome.status).toBe(409);
    expect(outcome.body.error).toMatchObject({
      details: { result: 'closed', status: 'COMPLETED' },
    });
    const document = await signedPost(`/api/workflows/${row!.id}/documents`, documentFor());
    expect(document.status).toBe(409);
  });

  it('the same Idempotency-Key after its workflow has ended returns the first result (200), not 503', async () => {
    const key = randomUUID();
    const create = () =>
      call(`${api.url}/api/workflows`, {
        token: tokens.client,
        body: payoff,
        headers: { 'idempotency-key': key },
      });
    const first = await create();
    expect(first.status).toBe(201);
    const id = (first.body.workflow as { id: string }).id;
    await h.client.workflow.getHandle(`payoff-${id}`).terminate('test: ended early');
    const again = await create();
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ created: false, workflow: { id } });
  });
});
