import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, slaPauses, slaTracking, taskExecutions } from '../../db/schema/index.js';
import { call, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll, withCounterparty } from '../helpers/n8n-stand-in.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

// Business calendars through the API (managers set them; row-level security decides who reads
// what), and a manager's third-party hold on an escalation, which stops its step's SLA clock.

let t: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
const tokens = {} as Record<'clientA' | 'clientB' | 'hil' | 'manager', string>;

beforeAll(async () => {
  ({ t, h } = await startHarness({ script: withCounterparty(completeAll) }));
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

const weekdays = (start: string, end: string) =>
  Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start, end }]]));

const london = {
  name: 'Org A, London office',
  timeZone: 'Europe/London',
  week: weekdays('08:30', '17:30'),
  holidays: [{ date: '2027-08-30', name: 'Summer bank holiday' }],
};

describe('business calendars', () => {
  it('the default (seeded) is Mon-Fri 09:00-17:00 New York with the US federal holidays, for everyone to read', async () => {
    for (const who of ['clientA', 'hil'] as const) {
      const res = await call(`${api.url}/api/calendars/default`, { token: tokens[who] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        clientId: null,
        timeZone: 'America/New_York',
        week: weekdays('09:00', '17:00'),
      });
      const dates = (res.body.holidays as { date: string }[]).map((h) => h.date);
      expect(dates).toContain('2026-07-03'); // Independence Day, observed (the 4th is a Saturday)
      expect(dates).toContain('2027-11-25'); // Thanksgiving
    }
  });

  it('only managers set one; a client reads its own and the default, never another client’s', async () => {
    const url = `${api.url}/api/clients/${world.orgA.id}/calendar`;
    for (const who of ['clientA', 'hil'] as const) {
      const refused = await call(url, { token: tokens[who], method: 'PUT', body: london });
      expect(refused.status).toBe(403);
    }
    const inherited = await call(url, { token: tokens.clientA });
    expect(inherited.body).toMatchObject({ inherited: true, clientId: null });

    const set = await call(url, { token: tokens.manager, method: 'PUT', body: london });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      changed: true,
      calendar: { clientId: world.orgA.id, timeZone: 'Europe/London', version: 1 },
    });
    // The same again is no change (a repeat has no second effect).
    const again = await call(url, { token: tokens.manager, method: 'PUT', body: london });
    expect(again.body).toMatchObject({ changed: false, calendar: { version: 1 } });

    expect((await call(url, { token: tokens.clientA })).body).toMatchObject({
      inherited: false,
      name: london.name,
    });
    const mine = await call(`${api.url}/api/calendars`, { token: tokens.clientA });
    const visible = (mine.body.items as { clientId: string | null }[]).map((c) => c.clientId);
    expect(visible.sort()).toEqual([world.orgA.id, null].sort());
    const theirs = await call(`${api.url}/api/calendars`, { token: tokens.clientB });
    expect((theirs.body.items as { clientId: string | null }[]).map((c) => c.clientId)).toEqual([
      null,
    ]);
    expect((await call(url, { token: tokens.clientB })).status).toBe(404);

    // A change based on an old version is refused, naming the field.
    const stale = await call(url, {
      token: tokens.manager,
      method: 'PUT',
      body: { ...london, name: 'Renamed', version: 0 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error!.message).toContain('body.version');
    const renamed = await call(url, {
      token: tokens.manager,
      method: 'PUT',
      body: { ...london, name: 'Renamed', version: 1 },
    });
    expect(renamed.body).toMatchObject({
      changed: true,
      calendar: { version: 2, name: 'Renamed' },
    });
  });

  it.each([
    [{ ...london, timeZone: 'Mars/Olympus' }, 'body.timeZone'],
    [{ ...london, week: { '1': [{ start: '17:00', end: '09:00' }] } }, 'body.week.1.0.end'],
    [{ ...london, week: { '1': [{ start: '9:00', end: '17:00' }] } }, 'body.week.1.0.start'],
    [
      {
        ...london,
        week: {
          '2': [
            { start: '09:00', end: '13:00' },
            { start: '12:00', end: '17:00' },
          ],
        },
      },
      'body.week.2',
    ],
    [{ ...london, week: { '8': [{ start: '09:00', end: '17:00' }] } }, 'body.week'],
    [{ ...london, week: {} }, 'body.week'],
    [
      { ...london, holidays: [{ date: '2027-02-30', name: 'No such day' }] },
      'body.holidays.0.date',
    ],
    [
      {
        ...london,
        holidays: [
          { date: '2027-01-01', name: 'A' },
          { date: '2027-01-01', name: 'B' },
        ],
      },
      'body.holidays.1.date',
    ],
    [{ ...london, extra: true }, 'extra'],
  ])('refuses a bad calendar with 400 naming the field (%#)', async (body, field) => {
    const url = `${api.url}/api/clients/${world.orgB.id}/calendar`;
    const res = await call(url, { token: tokens.manager, method: 'PUT', body });
    expect(res.status).toBe(400);
    expect(res.body.error!.message).toContain(field);
    // Nothing half-written: orgB still has no calendar of its own.
    expect((await call(url, { token: tokens.manager })).body).toMatchObject({ inherited: true });
  });
});

describe("a manager's third-party hold", () => {
  it('stops the step’s SLA clock (a pause row, by whom and why) and starts it again when lifted', async () => {
    const created = await call(`${api.url}/api/workflows`, {
      token: tokens.clientA,
      body: {
        workflowType: 'PAYOFF',
        title: 'Payoff for 9 Oak Ave',
        metadata: { propertyAddress: '9 Oak Ave', loanNumber: 'LN-9' },
      },
    });
    const id = (created.body.workflow as { id: string }).id;
    h.scriptFor(
      id,
      withCounterparty((ctx) =>
        ctx.dispatch.taskType === 'identify_lender_contact' && ctx.count === 1
          ? { status: 'NEEDS_HUMAN', reason: 'The lender asks for a borrower authorisation' }
          : completeAll(ctx),
      ),
    );
    const escalation = await eventually('the escalation', async () => {
      const list = await call(`${api.url}/api/escalations`, { token: tokens.hil });
      return (list.body.items as { escalation: { id: string; workflowId: string } }[]).find(
        (e) => e.escalation.workflowId === id,
      )?.escalation;
    });
    const holdUrl = `${api.url}/api/escalations/${escalation.id}/hold`;
    const byStaff = await call(holdUrl, { token: tokens.hil, body: { onHold: true } });
    expect(byStaff.status).toBe(403);
    const bad = await call(holdUrl, { token: tokens.manager, body: { onHold: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.message).toContain('body.onHold');

    const note = 'Waiting for the borrower to sign the authorisation';
    const held = await call(holdUrl, { token: tokens.manager, body: { onHold: true, note } });
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ result: 'applied', onHold: true });
    const again = await call(holdUrl, { token: tokens.manager, body: { onHold: true, note } });
    expect(again.body).toMatchObject({ result: 'duplicate' });

    const [task] = await t.db
      .select()
      .from(taskExecutions)
      .where(
        and(
          eq(taskExecutions.workflowId, id),
          eq(taskExecutions.taskType, 'identify_lender_contact'),
        ),
      );
    const pause = await eventually('the pause row', async () => {
      const [p] = await t.db
        .select()
        .from(slaPauses)
        .where(and(eq(slaPauses.workflowId, id), isNull(slaPauses.resumedAt)));
      return p;
    });
    expect(pause).toMatchObject({
      reason: 'THIRD_PARTY_HOLD',
      note,
      pausedBy: world.people.manager,
    });
    const [clock] = await t.db
      .select()
      .from(slaTracking)
      .where(eq(slaTracking.taskExecutionId, task!.id));
    expect(clock!.pausedAt).not.toBeNull();
    expect(clock!.counts).toBe('BUSINESS');

    // The SLA board says it is stopped, and why.
    const board = await call(`${api.url}/api/sla-board`, { token: tokens.hil });
    const row = (Object.values(board.body).flat() as Record<string, unknown>[]).find(
      (r) => r.taskExecutionId === task!.id,
    );
    expect(row).toMatchObject({
      counts: 'BUSINESS',
      paused: { reason: 'THIRD_PARTY_HOLD', note },
      next: null,
    });
    expect(row!.remainingMs).toBeGreaterThan(0);

    const lifted = await call(holdUrl, { token: tokens.manager, body: { onHold: false } });
    expect(lifted.body).toMatchObject({ result: 'applied', onHold: false });
    await eventually('the pause to end', async () => {
      const [p] = await t.db.select().from(slaPauses).where(eq(slaPauses.id, pause.id));
      return p!.resumedAt ? p : undefined;
    });
    const events = await t.db
      .select({ action: auditEvents.action, actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, clock!.id));
    expect(events).toEqual(
      expect.arrayContaining([
        { action: 'sla.paused', actorId: world.people.manager },
        expect.objectContaining({ action: 'sla.resumed' }),
      ]),
    );
    const boardAfter = await call(`${api.url}/api/sla-board`, { token: tokens.hil });
    const running = (Object.values(boardAfter.body).flat() as Record<string, unknown>[]).find(
      (r) => r.taskExecutionId === task!.id,
    );
    expect(running).toMatchObject({ paused: null, next: { level: 'YELLOW' } });
  });
});
