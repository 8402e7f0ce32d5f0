import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll } from '../helpers/n8n-stand-in.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

let t: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
let release: () => void = () => undefined;
const gate = new Promise<void>((r) => (release = r));

beforeAll(async () => {
  ({ t, h } = await startHarness({
    script: async (ctx) => {
      // Nothing is dispatched until the test is listening.
      await gate;
      if (ctx.dispatch.taskType === 'send_request') {
        await ctx.sendDocument({
          kind: 'HOA_DOCUMENTS',
          filename: 'hoa.pdf',
          storageUrl: 's3://b/hoa.pdf',
        });
      }
      return completeAll(ctx);
    },
  }));
  api = await startTestApi({ databaseUrl: t.url, taskQueue: h.taskQueue });
  h.standIn.useApi({ url: api.url, secret: TEST_SECRETS.n8nHmacSecret });
  world = await seedWorld(t.db);
});
afterAll(async () => {
  release();
  await api?.close();
  await stopHarness(t, h);
});

interface Sse {
  event: string;
  data: Record<string, unknown>;
}

/** Reads server-sent events until `until` says stop. */
async function readEvents(
  url: string,
  until: (e: Sse) => boolean,
  onOpen: () => void,
): Promise<Sse[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const events: Sse[] = [];
  let buffer = '';
  onOpen();
  for (;;) {
    const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
    if (chunk.done) break;
    buffer += new TextDecoder().decode(chunk.value);
    let split: number;
    while ((split = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, split);
      buffer = buffer.slice(split + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || !data) continue;
      const parsed = { event, data: JSON.parse(data) as Record<string, unknown> };
      events.push(parsed);
      if (until(parsed)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

describe('GET /api/workflows/:id/events', () => {
  it('pushes every task transition of the workflow as it happens (LISTEN/NOTIFY, no polling)', async () => {
    const token = await tokenFor(world.people.clientA);
    const created = await call(`${api.url}/api/workflows`, {
      token,
      body: { workflowType: 'HOA_ACQUISITION', title: 'HOA docs for 3 Oak Rd' },
    });
    const id = (created.body.workflow as { id: string }).id;
    const events = await readEvents(
      `${api.url}/api/workflows/${id}/events?access_token=${token}`,
      (e) => e.data.table === 'workflows' && e.data.status === 'COMPLETED',
      release,
    );
    expect(events[0]).toMatchObject({ event: 'ready', data: { workflowId: id } });
    const tasks = events
      .filter((e) => e.data.table === 'task_executions')
      .map((e) => `${e.data.taskType as string}:${e.data.status as string}`);
    for (const taskType of [
      'research_hoa_contact',
      'send_request',
      'analyze_hoa_docs',
      'quality_validation',
    ]) {
      expect(tasks).toContain(`${taskType}:RUNNING`);
      expect(tasks).toContain(`${taskType}:COMPLETED`);
    }
    expect(tasks).toContain('await_documents:WAITING');
    expect(tasks.indexOf('research_hoa_contact:COMPLETED')).toBeLessThan(
      tasks.indexOf('send_request:RUNNING'),
    );
    expect(events.every((e) => e.event === 'ready' || e.data.workflowId === id)).toBe(true);
  });

  it('is for the workflow’s readers only', async () => {
    const created = await call(`${api.url}/api/workflows`, {
      token: await tokenFor(world.people.clientA),
      body: { workflowType: 'PAYOFF', title: 'x' },
    });
    const id = (created.body.workflow as { id: string }).id;
    expect((await call(`${api.url}/api/workflows/${id}/events`)).status).toBe(401);
    const other = await call(
      `${api.url}/api/workflows/${id}/events?access_token=${await tokenFor(world.people.clientB)}`,
    );
    expect(other.status).toBe(404);
  });
});

describe('GET /api/events', () => {
  it('streams every workflow to HIL staff, and only their organisation’s to a client', async () => {
    const hil = await tokenFor(world.people.hil);
    const clientA = await tokenFor(world.people.clientA);
    const clientB = await tokenFor(world.people.clientB);
    release();
    const ids: Partial<Record<'A' | 'B', string>> = {};
    const completed = (e: Sse, id: string | undefined) =>
      id !== undefined &&
      e.data.workflowId === id &&
      e.data.table === 'workflows' &&
      e.data.status === 'COMPLETED';
    let open = 0;
    let bothOpen!: () => void;
    const opened = new Promise<void>((r) => (bothOpen = r));
    const onOpen = () => void (++open === 2 && bothOpen());
    const seenByHil: string[] = [];
    const hilStream = readEvents(
      `${api.url}/api/events?access_token=${hil}`,
      (e) => {
        if (completed(e, ids.A) || completed(e, ids.B)) seenByHil.push(e.data.workflowId as string);
        return seenByHil.length === 2;
      },
      onOpen,
    );
    const clientStream = readEvents(
      `${api.url}/api/events?access_token=${clientB}`,
      (e) => completed(e, ids.B),
      onOpen,
    );
    await opened;
    const create = async (token: string) => {
      const created = await call(`${api.url}/api/workflows`, {
        token,
        body: { workflowType: 'MUNICIPAL_LIEN_SEARCH', title: 'Lien search, 9 Pine St' },
      });
      return (created.body.workflow as { id: string }).id;
    };
    // Organisation A's workflow runs to its end while client B listens; then B's runs.
    ids.A = await create(clientA);
    await eventually('workflow A completed', async () => {
      const got = await call(`${api.url}/api/workflows/${ids.A}`, { token: clientA });
      return (got.body.workflow as { status: string }).status === 'COMPLETED';
    });
    ids.B = await create(clientB);
    const [all, own] = await Promise.all([hilStream, clientStream]);

    const workflowsIn = (events: Sse[]) =>
      new Set(events.filter((e) => e.event === 'change').map((e) => e.data.workflowId));
    // HIL staff see both (and whatever else runs); client B only their own.
    expect([...workflowsIn(all)]).toEqual(expect.arrayContaining([ids.A, ids.B]));
    expect(workflowsIn(own)).toEqual(new Set([ids.B]));
    expect(own.filter((e) => e.data.table === 'task_executions').length).toBeGreaterThan(0);
  });
});
