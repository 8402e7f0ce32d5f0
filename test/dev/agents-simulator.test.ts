import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentSimulator } from '../../src/dev/agents/simulator.js';
import { getFreePort } from '../../src/dev/ports.js';

const sim = createAgentSimulator({ delayMs: 5 });
let url: string;
beforeAll(async () => {
  const port = await getFreePort();
  await sim.listen(port);
  url = `http://127.0.0.1:${port}`;
});
afterAll(() => sim.close());

const run = async (taskType: string, workflowId = randomUUID(), timeoutMs = 2000) => {
  const res = await fetch(`${url}/agents/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      taskType,
      agent: 'Nina',
      taskExecutionId: randomUUID(),
      workflowId,
      attempt: 1,
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('the agent simulator', () => {
  it('answers each taskType with a realistic output', async () => {
    const lender = await run('identify_lender_contact');
    expect(lender).toMatchObject({
      status: 200,
      body: { status: 'COMPLETED', output: { preferredChannel: 'IVR' } },
    });
    const payoff = await run('extract_payoff_data');
    expect(payoff.body).toMatchObject({
      output: { payoffAmount: '245310.55', goodThrough: '2026-12-15', perDiem: '31.42' },
    });
  });

  it('fails, asks for a human or times out when told to, per task type or workflow, for so many calls', async () => {
    const workflowId = randomUUID();
    const rule = (body: unknown) =>
      fetch(`${url}/control/rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await rule({ taskType: 'portal_access', behaviour: 'fail-retryable', times: 1 })).status,
    ).toBe(201);
    expect((await rule({ workflowId, behaviour: 'needs-human' })).status).toBe(201);
    expect((await rule({ taskType: 'quality_validation', behaviour: 'timeout' })).status).toBe(201);
    expect((await rule({ behaviour: 'explode' })).status).toBe(400);

    expect((await run('portal_access')).body).toMatchObject({
      status: 'FAILED',
      error: { retryable: true },
    });
    expect((await run('portal_access')).body).toMatchObject({ status: 'COMPLETED' });
    expect((await run('notify_client', workflowId)).body).toMatchObject({ status: 'NEEDS_HUMAN' });
    await expect(run('quality_validation', randomUUID(), 300)).rejects.toThrow();

    const calls = (await (await fetch(`${url}/control/calls`)).json()) as {
      calls: { taskType: string; behaviour: string }[];
    };
    expect(
      calls.calls.filter((c) => c.taskType === 'portal_access').map((c) => c.behaviour),
    ).toEqual(['fail-retryable', 'ok']);
    await fetch(`${url}/control/rules`, { method: 'DELETE' });
    expect((await run('notify_client', workflowId)).body).toMatchObject({ status: 'COMPLETED' });
  });

  it('refuses a malformed call', async () => {
    const res = await fetch(`${url}/agents/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"taskType":"x"}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('agent');
  });

  it('sends a message once per idempotency key as a channel connector, and fails when told to', async () => {
    const workflowId = randomUUID();
    const message = (over: Record<string, unknown> = {}) => {
      const communicationId = randomUUID();
      return {
        communicationId,
        workflowId,
        channel: 'EMAIL',
        to: 'docs@hoa.example',
        subject: 'Follow-up 1',
        body: 'Still waiting',
        idempotencyKey: communicationId,
        ...over,
      };
    };
    const post = async (body: unknown) => {
      const res = await fetch(`${url}/channels/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const m = message();
    const first = await post(m);
    expect(first).toEqual({
      status: 200,
      body: { providerMessageId: `<${m.communicationId}@mail.simulator>` },
    });
    expect((await post(m)).body).toMatchObject({ ...first.body, duplicate: true });
    expect(sim.sends.filter((s) => s.communicationId === m.communicationId)).toHaveLength(1);

    const noRecipient = await post(message({ to: undefined }));
    expect(noRecipient.status).toBe(400);
    expect(String(noRecipient.body.error)).toContain('to');
    sim.rules.unshift({ workflowId, taskType: 'send_communication', behaviour: 'fail', times: 1 });
    expect((await post(message())).status).toBe(422);
    sim.rules.unshift({
      workflowId,
      taskType: 'send_communication',
      behaviour: 'fail-retryable',
      times: 1,
    });
    expect((await post(message())).status).toBe(503);
    expect((await post(message())).status).toBe(200);
    expect(sim.sends.filter((s) => s.workflowId === workflowId)).toHaveLength(2);
  });
});
