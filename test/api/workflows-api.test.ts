import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { businessWorkflow } from '../../workflows/business/workflow.js';
import { call, signedHeaders, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import {
  completeAll,
  forTask,
  realisticOutput,
  withCounterparty,
} from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { insertHilUser } from '../helpers/fixtures.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

let t: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
const tokens = {} as Record<'clientA' | 'clientB' | 'hil' | 'manager', string>;

beforeAll(async () => {
  ({ t, h } = await startHarness({
    script: withCounterparty(completeAll),
  }));
  api = await startTestApi({ databaseUrl: t.url, taskQueue: h.taskQueue });
  h.standIn.useApi({ url: api.url, secret: TEST_SECRETS.n8nHmacSecret });
  world = await seedWorld(t.db);
  for (const who of ['clientA', 'clientB', 'hil', 'manager'] as const)
    tokens[who] = await tokenFor(world.people[who]);
});
afterAll(async () => {
  await api?.close();
  await stopHarness(t, h);
});

const payoff = {
  workflowType: 'PAYOFF',
  title: 'Payoff for 12 Elm St',
  priority: 'HIGH',
  metadata: { propertyAddress: '12 Elm St', loanNumber: 'LN-77' },
};

describe('a PAYOFF through the API', () => {
  it('is created by a client, runs through n8n callbacks signed with HMAC, and reads back whole', async () => {
    const created = await call(`${api.url}/api/workflows`, { token: tokens.clientA, body: payoff });
    expect(created.status).toBe(201);
    const id = (created.body.workflow as { id: string }).id;
    expect(created.body).toMatchObject({
      workflow: { clientId: world.orgA.id, status: 'PENDING', priority: 'HIGH' },
      temporalWorkflowId: `payoff-${id}`,
    });

    const result = await h.client.workflow
      .getHandle<typeof businessWorkflow>(`payoff-${id}`)
      .result();
    expect(result.status).toBe('COMPLETED');
    // Every outcome went through POST /api/task-outcomes and was applied.
    const mine = h.standIn.answers.filter(
      (a) => 'status' in a && (a.body as { taskExecutionId?: string }).taskExecutionId,
    );
    expect(mine.length).toBeGreaterThanOrEqual(6);

    const detail = await call(`${api.url}/api/workflows/${id}`, { token: tokens.clientA });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      workflow: { id, status: 'COMPLETED' },
      invoice: { total: '128.25', costItems: [{}, {}] },
    });
    expect((detail.body.tasks as unknown[]).length).toBe(6);
    expect((detail.body.documents as unknown[]).length).toBe(1);
    expect(detail.body.escalations).toEqual([]); // internal matters are not the client's

    const audit = await call(`${api.url}/api/workflows/${id}/audit`, { token: tokens.clientA });
    expect((audit.body.events as { action: string }[]).at(-1)!.action).toBe('workflow.completed');

    // The other organisation sees none of it.
    expect((await call(`${api.url}/api/workflows/${id}`, { token: tokens.clientB })).status).toBe(
      404,
    );
    const theirList = await call(`${api.url}/api/workflows`, { token: tokens.clientB });
    expect((theirList.body.items as { id: string }[]).some((w) => w.id === id)).toBe(false);
  });

  it('returns the first result for a repeated Idempotency-Key', async () => {
    const key = randomUUID();
    const first = await call(`${api.url}/api/workflows`, {
      token: tokens.clientA,
      body: payoff,
      headers: { 'idempotency-key': key },
    });
    const again = await call(`${api.url}/api/workflows`, {
      token: tokens.clientA,
      body: payoff,
      headers: { 'idempotency-key': key },
    });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.workflow).toEqual(first.body.workflow);
    const list = await call(`${api.url}/api/workflows?limit=200`, { token: tokens.clientA });
    expect(
      (list.body.items as { idempotencyKey: string }[]).filter((w) => w.idempotencyKey === key),
    ).toHaveLength(1);
  });

  it('refuses a client creating for another organisation, and anonymous callers', async () => {
    const other = await call(`${api.url}/api/workflows`, {
      token: tokens.clientA,
      body: { ...payoff, clientId: world.orgB.id },
    });
    expect(other.status).toBe(403);
    expect((await call(`${api.url}/api/workflows`, { body: payoff })).status).toBe(401);
    expect(
      (await call(`${api.url}/api/workflows`, { token: 'not.a.jwt', body: payoff })).status,
    ).toBe(401);
  });

  it('lists with filters and pagination', async () => {
    const all = await call(`${api.url}/api/workflows?type=PAYOFF&limit=1&offset=0`, {
      token: tokens.hil,
    });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ limit: 1, offset: 0 });
    expect((all.body.items as unknown[]).length).toBe(1);
    expect(all.body.total as number).toBeGreaterThanOrEqual(3);
    const bad = await call(`${api.url}/api/workflows?status=DONE`, { token: tokens.hil });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.message).toContain('query.status');
  });
});

describe('row-level security over HTTP', () => {
  it('each caller sees only what it may, and no claims leak between pooled requests', async () => {
    const anon = () => call(`${api.url}/api/workflows`);
    const seen = async (who: 'clientA' | 'clientB' | 'hil') => {
      const res = await call(`${api.url}/api/workflows?limit=200`, { token: tokens[who] });
      return new Set((res.body.items as { clientId: string }[]).map((w) => w.clientId));
    };
    // Interleaved, many at once, over the API's pool of 10 connections.
    const rounds = await Promise.all(
      Array.from({ length: 20 }, async () => ({
        a: await seen('clientA'),
        b: await seen('clientB'),
        hil: await seen('hil'),
        anon: await anon(),
      })),
    );
    for (const r of rounds) {
      expect([...r.a]).toEqual([world.orgA.id]);
      expect([...r.b]).toEqual([world.orgB.id]);
      expect(r.hil.has(world.orgA.id) && r.hil.has(world.orgB.id)).toBe(true);
      expect(r.anon.status).toBe(401);
    }
    const board = await call(`${api.url}/api/sla-board`, { token: tokens.clientB });
    const rows = Object.values(board.body as Record<string, { workflowId: string }[]>).flat();
    expect(rows.every((r) => r.workflowId === world.workflowIds.B)).toBe(true);
    const detailA = await call(`${api.url}/api/workflows/${world.workflowIds.A}`, {
      token: tokens.clientA,
    });
    expect(
      (detailA.body.communications as { direction: string }[]).map((c) => c.direction).sort(),
    ).toEqual(['OUTBOUND', 'OUTBOUND']);
    const detailHil = await call(`${api.url}/api/workflows/${world.workflowIds.A}`, {
      token: tokens.hil,
    });
    expect((detailHil.body.communications as unknown[]).length).toBe(3);
    expect((detailHil.body.escalations as unknown[]).length).toBe(1);
  });
});

/** A PAYOFF whose first agent asks for a human once: an escalation opens, then all goes on. */
async function payoffAskingForAHuman(): Promise<string> {
  const created = await call(`${api.url}/api/workflows`, { token: tokens.clientA, body: payoff });
  const id = (created.body.workflow as { id: string }).id;
  h.scriptFor(
    id,
    withCounterparty((ctx) =>
      ctx.dispatch.taskType === 'identify_lender_contact' && ctx.count === 1
        ? { status: 'NEEDS_HUMAN', reason: 'Which lender?' }
        : completeAll(ctx),
    ),
  );
  return id;
}

describe('HIL through the API', () => {
  it('lists the open escalation for staff (not for clients) and resolves it', async () => {
    const id = await payoffAskingForAHuman();
    const escalation = await eventually('the escalation in the HIL list', async () => {
      const list = await call(`${api.url}/api/escalations`, { token: tokens.hil });
      return (list.body.items as { escalation: { id: string; workflowId: string } }[]).find(
        (e) => e.escalation.workflowId === id,
      )?.escalation;
    });
    expect((await call(`${api.url}/api/escalations`, { token: tokens.clientA })).status).toBe(403);
    const byClient = await call(`${api.url}/api/escalations/${escalation.id}/resolve`, {
      token: tokens.clientA,
      body: { action: 'RETRY' },
    });
    expect(byClient.status).toBe(403);

    const incomplete = await call(`${api.url}/api/escalations/${escalation.id}/resolve`, {
      token: tokens.hil,
      body: { action: 'COMPLETE' },
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error!.message).toContain('body.output');

    const resolved = await call(`${api.url}/api/escalations/${escalation.id}/resolve`, {
      token: tokens.hil,
      body: {
        action: 'COMPLETE',
        output: realisticOutput('identify_lender_contact'),
        note: 'Called the bank',
      },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ result: 'applied' });
    const again = await call(`${api.url}/api/escalations/${escalation.id}/resolve`, {
      token: tokens.hil,
      body: { action: 'SKIP', note: 'x' },
    });
    expect(again.status).toBe(409);
    expect(
      (await h.client.workflow.getHandle<typeof businessWorkflow>(`payoff-${id}`).result()).status,
    ).toBe('COMPLETED');
  });
});

describe('HIL taking escalations', () => {
  it('takes one or hands it on, lists by assignee, and refuses clients, non-staff assignees and closed ones', async () => {
    const id = await payoffAskingForAHuman();
    type Listed = { escalation: { id: string; workflowId: string; assignedTo: string | null } };
    const listed = async (query: string) =>
      (
        (await call(`${api.url}/api/escalations?${query}`, { token: tokens.hil })).body
          .items as Listed[]
      )
        .map((e) => e.escalation)
        .find((e) => e.workflowId === id);
    const escalation = await eventually('the escalation', () => listed('assignedTo=unassigned'));
    const assign = (token: string, body: unknown) =>
      call(`${api.url}/api/escalations/${escalation.id}/assign`, { token, body });

    expect((await assign(tokens.clientA, {})).status).toBe(403);
    const toClient = await assign(tokens.hil, { assigneeId: world.people.clientA });
    expect(toClient.status).toBe(422);
    expect(toClient.body.error!.message).toContain('body.assigneeId');

    const taken = await assign(tokens.hil, { note: 'mine' });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ result: 'applied' });
    // Taking it again, this time with no body at all (curl -X POST): the same, a duplicate.
    const again = await call(`${api.url}/api/escalations/${escalation.id}/assign`, {
      token: tokens.hil,
      method: 'POST',
    });
    expect(again.body).toMatchObject({ result: 'duplicate' });
    const mine = await eventually('the escalation listed as mine', () => listed('assignedTo=me'));
    expect(mine.assignedTo).toBe(world.people.hil);
    expect(await listed('assignedTo=unassigned')).toBeUndefined();

    // Someone else on the HIL team cannot take it from its holder; a manager can reassign it,
    // and its holder can hand it on.
    const hil2 = await insertHilUser(t.db);
    const taking = await assign(await tokenFor(hil2), {});
    expect(taking.status).toBe(409);
    expect(taking.body.error!.message).toContain(`held by ${world.people.hil}`);
    const reassigned = await assign(tokens.manager, { assigneeId: hil2 });
    expect(reassigned.body).toMatchObject({ result: 'applied' });
    const handed = await assign(await tokenFor(hil2), { assigneeId: world.people.manager });
    expect(handed.body).toMatchObject({ result: 'applied' });
    await eventually('the escalation with the manager', () =>
      listed(`assignedTo=${world.people.manager}`),
    );
    // Given it by someone else: hil2, then the manager, get a message saying so.
    const { rows: told } = await t.pool.query<{ recipient_user_id: string }>(
      `SELECT m.recipient_user_id FROM message_metadata m
         JOIN communications c ON c.id = m.communication_id
        WHERE c.workflow_id = $1 AND m.notification_kind = 'ESCALATION_ASSIGNED'
        ORDER BY c.created_at`,
      [id],
    );
    expect(told.map((r) => r.recipient_user_id)).toEqual([hil2, world.people.manager]);
    const audit = await call(`${api.url}/api/workflows/${id}/audit`, { token: tokens.hil });
    expect(
      (
        audit.body.events as {
          action: string;
          actorId: string;
          eventData: { assigneeId: string; previous: string | null };
        }[]
      )
        .filter((e) => e.action === 'escalation.assigned')
        .map((e) => [e.actorId, e.eventData.assigneeId, e.eventData.previous]),
    ).toEqual([
      [world.people.hil, world.people.hil, null],
      [world.people.manager, hil2, world.people.hil],
      [hil2, world.people.manager, hil2],
    ]);

    const resolved = await call(`${api.url}/api/escalations/${escalation.id}/resolve`, {
      token: tokens.manager,
      body: { action: 'COMPLETE', output: realisticOutput('identify_lender_contact') },
    });
    expect(resolved.status).toBe(200);
    expect(
      (await h.client.workflow.getHandle<typeof businessWorkflow>(`payoff-${id}`).result()).status,
    ).toBe('COMPLETED');
    recordHistory('payoff-escalation-assigned-v2', 'dev', h.address, `payoff-${id}`);
    expect((await assign(tokens.hil, {})).status).toBe(409);
  });
});

describe('cancelling through the API', () => {
  it('closes the workflow and its open rows, names who cancelled and why, and refuses a repeat', async () => {
    const created = await call(`${api.url}/api/workflows`, { token: tokens.clientA, body: payoff });
    const id = (created.body.workflow as { id: string }).id;
    h.scriptFor(
      id,
      withCounterparty(() => ({ status: 'NEEDS_HUMAN', reason: 'Which lender?' })),
    );
    await eventually('the workflow blocked on an escalation', async () => {
      const got = await call(`${api.url}/api/workflows/${id}`, { token: tokens.hil });
      return (got.body.escalations as { status: string }[] | undefined)?.some(
        (e) => e.status === 'OPEN',
      );
    });
    const byOther = await call(`${api.url}/api/workflows/${id}/cancel`, {
      token: tokens.clientB,
      body: { reason: 'not mine' },
    });
    expect(byOther.status).toBe(404);
    const noReason = await call(`${api.url}/api/workflows/${id}/cancel`, {
      token: tokens.clientA,
      body: {},
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error!.message).toContain('body.reason');

    const cancelled = await call(`${api.url}/api/workflows/${id}/cancel`, {
      token: tokens.clientA,
      body: { reason: 'The sale fell through' },
    });
    expect(cancelled.status).toBe(202);
    await expect(
      h.client.workflow.getHandle<typeof businessWorkflow>(`payoff-${id}`).result(),
    ).rejects.toThrow('Workflow execution cancelled');
    recordHistory('payoff-cancelled-through-api-v2', 'dev', h.address, `payoff-${id}`);

    const got = await call(`${api.url}/api/workflows/${id}`, { token: tokens.hil });
    expect((got.body.workflow as { status: string }).status).toBe('CANCELLED');
    // The attempt that asked for a human had ended (FAILED, immutable); the rest were open.
    expect((got.body.tasks as { status: string }[]).map((x) => x.status)).toEqual([
      'FAILED',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
    ]);
    expect((got.body.escalations as { status: string }[]).map((e) => e.status)).toEqual([
      'CANCELLED',
    ]);
    const audit = await call(`${api.url}/api/workflows/${id}/audit`, { token: tokens.hil });
    const ended = (
      audit.body.events as {
        action: string;
        actorType: string;
        actorId: string;
        eventData: unknown;
      }[]
    ).filter((e) => e.action === 'workflow.cancelled');
    expect(ended).toMatchObject([
      {
        actorType: 'HUMAN',
        actorId: world.people.clientA,
        eventData: { reason: 'The sale fell through' },
      },
    ]);

    const again = await call(`${api.url}/api/workflows/${id}/cancel`, {
      token: tokens.clientA,
      body: { reason: 'The sale fell through' },
    });
    expect(again.status).toBe(409);
  });
});

describe('n8n callbacks', () => {
  async function runningTask() {
    const created = await call(`${api.url}/api/workflows`, { token: tokens.clientA, body: payoff });
    const id = (created.body.workflow as { id: string }).id;
    h.scriptFor(
      id,
      withCounterparty(forTask('identify_lender_contact', () => ({ status: 'SILENT' }))),
    );
    const dispatch = await eventually('the first dispatch', () =>
      h.standIn.dispatches.find((d) => d.workflowId === id),
    );
    return { id, dispatch };
  }

  it('answers applied, duplicate, stale, unknown task, bad signature, old timestamp, malformed', async () => {
    const { id, dispatch } = await runningTask();
    const outcome = {
      taskExecutionId: dispatch.taskExecutionId,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('identify_lender_contact'),
    };
    const post = (payload: unknown, headers?: Record<string, string>) => {
      const body = JSON.stringify(payload);
      return call(`${api.url}/api/task-outcomes`, {
        body,
        headers: headers ?? signedHeaders(body),
      });
    };
    const body = { workflowId: id, outcome };
    expect(
      (
        await post(body, {
          ...signedHeaders(JSON.stringify(body)),
          'x-rexera-signature': 'sha256=00',
        })
      ).status,
    ).toBe(401);
    const oldTs = Math.floor(Date.now() / 1000) - 3600;
    expect((await post(body, signedHeaders(JSON.stringify(body), oldTs))).status).toBe(401);
    expect((await post({ workflowId: id, outcome: { ...outcome, status: 'DONE' } })).status).toBe(
      400,
    );
    expect(
      (await post({ workflowId: id, outcome: { ...outcome, taskExecutionId: randomUUID() } }))
        .status,
    ).toBe(404);

    const first = await post(body);
    expect(first.status).toBe(200);
    expect(first.body.result).toBe('applied');
    // n8n retries, or someone replays the captured request within the window: no second effect.
    const replay = await post(body);
    expect([replay.status, replay.body.result]).toEqual([200, 'duplicate']);
    const different = await post({
      workflowId: id,
      outcome: { ...outcome, output: { other: true } },
    });
    expect([different.status, different.body.result]).toEqual([409, undefined]);
    expect(different.body.error!.message).toMatch(/different outcome/);
    await h.client.workflow.getHandle(`payoff-${id}`).result();
  });

  it('answers 503 while Temporal is unreachable, and works once it is back', async () => {
    const { id, dispatch } = await runningTask();
    const down = await startTestApi({
      databaseUrl: t.url,
      taskQueue: h.taskQueue,
      temporalAddress: '127.0.0.1:9',
      updateTimeoutMs: 1_000,
    });
    const body = JSON.stringify({
      workflowId: id,
      outcome: {
        taskExecutionId: dispatch.taskExecutionId,
        attempt: 1,
        status: 'COMPLETED',
        output: {},
      },
    });
    try {
      const res = await call(`${down.url}/api/task-outcomes`, {
        body,
        headers: signedHeaders(body),
      });
      expect(res.status).toBe(503);
      expect(res.body.error!.code).toBe('DEPENDENCY_UNAVAILABLE');
    } finally {
      await down.close();
    }
    const retried = await call(`${api.url}/api/task-outcomes`, {
      body,
      headers: signedHeaders(body),
    });
    expect(retried.status).toBe(200);
  });
});
