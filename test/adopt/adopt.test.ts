import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  auditEvents,
  clients,
  communications,
  escalations,
  messageMetadata,
  slaTracking,
  taskExecutions,
  workflows,
} from '../../db/schema/index.js';
import { adoptAll, summarize } from '../../src/adopt.js';
import { adoptionCandidates } from '../../src/clients/adoption.js';
import { deliverTaskOutcome, resolveEscalation } from '../../src/clients/business-workflows.js';
import { businessWorkflowId } from '../../workflows/business/identity.js';
import { statusQuery } from '../../workflows/business/messages.js';
import type { BusinessWorkflow } from '../../workflows/business/state.js';
import { WORKFLOW_TYPES } from '../../workflows/vocabulary.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { insertHilUser } from '../helpers/fixtures.js';
import {
  insertLegacyRow,
  LEGACY_MARK,
  LEGACY_STATES,
  type LegacyState,
} from '../helpers/legacy.js';
import { completeAll, realisticOutput } from '../helpers/n8n-stand-in.js';
import { eventually } from '../helpers/wait.js';

// The cut-over: rows the poller's design wrote (some tasks done, one under way or waiting or
// failed, SLA clocks running, no Temporal workflow) are adopted, each by one workflow that
// resumes where it stood. 21 rows in every state across the three types, and 9 the CLI must
// leave alone (owned already, closed, or not fitting the definition).

const run = promisify(execFile);
let t: TestDatabase;
let h: Harness;
let hil: string;
let now: number;
const rows: {
  id: string;
  type: string;
  state: LegacyState;
  seeded: Awaited<ReturnType<typeof insertLegacyRow>>;
}[] = [];
const leftAlone: Record<'owned' | 'closed' | 'misfit', string[]> = {
  owned: [],
  closed: [],
  misfit: [],
};

beforeAll(async () => {
  // The agents answer at once, except where a test says otherwise (h.scriptFor).
  ({ t, h } = await startHarness({ timeSkipping: true, script: completeAll }));
  hil = await insertHilUser(t.db);
  now = await h.env!.currentTimeMs();
  const [client] = await t.db
    .insert(clients)
    .values({ name: `Old design ${randomUUID()}` })
    .returning();
  for (const type of WORKFLOW_TYPES) {
    for (const state of LEGACY_STATES) {
      const seeded = await insertLegacyRow(t.db, { type, state, clientId: client!.id, now });
      rows.push({ id: seeded.id, type, state, seeded });
    }
    // Owned by a Temporal workflow already; closed; a task the definition does not have there.
    const owned = await insertLegacyRow(t.db, {
      type,
      state: 'running-first',
      clientId: client!.id,
      now,
    });
    await t.db
      .update(workflows)
      .set({ temporalWorkflowId: `someone-else-${owned.id}` })
      .where(eq(workflows.id, owned.id));
    leftAlone.owned.push(owned.id);
    const closed = await insertLegacyRow(t.db, { type, state: 'fresh', clientId: client!.id, now });
    await t.db
      .update(workflows)
      .set({ status: 'COMPLETED', completedAt: new Date(now) })
      .where(eq(workflows.id, closed.id));
    leftAlone.closed.push(closed.id);
    const misfit = await insertLegacyRow(t.db, {
      type,
      state: 'running-first',
      clientId: client!.id,
      now,
    });
    await t.db
      .update(taskExecutions)
      .set({ taskType: 'fax_the_lender' })
      .where(eq(taskExecutions.workflowId, misfit.id));
    leftAlone.misfit.push(misfit.id);
  }
  // Their agents never answer: their clocks run on.
  for (const r of rows.filter((r) => r.state.startsWith('running-at-85'))) {
    h.scriptFor(r.id, () => ({ status: 'SILENT' }));
  }
});
afterAll(() => stopHarness(t, h));

const deps = () => ({ db: t.db, client: h.client, taskQueue: h.taskQueue });
const row = (type: string, state: LegacyState) =>
  rows.find((r) => r.type === type && r.state === state)!;
const exists = (id: string) =>
  h.client.workflow
    .getHandle(id)
    .describe()
    .then(() => true)
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    });

describe('npm run adopt', () => {
  it('--dry-run says what it would do and starts nothing', async () => {
    const candidates = await adoptionCandidates(deps(), {});
    // Owned and closed rows are not even candidates.
    expect(candidates.map((c) => c.id).sort()).toEqual(
      [...rows.map((r) => r.id), ...leftAlone.misfit].sort(),
    );
    const results = await adoptAll(deps(), candidates, { dryRun: true, concurrency: 4 });
    expect(results.filter((r) => r.result === 'would adopt')).toHaveLength(21);
    const skipped = results.filter((r) => r.result === 'skipped');
    expect(skipped.map((s) => s.rowId).sort()).toEqual([...leftAlone.misfit].sort());
    expect(summarize(results, true)).toContain('would adopt: 21');
    expect(summarize(results, true)).toMatch(
      /1 × step 1 is fax_the_lender, not identify_lender_contact of PAYOFF v3/,
    );
    for (const r of rows)
      expect(await exists(businessWorkflowId(r.type as never, r.id))).toBe(false);
  });

  it('adopts every open row once, even with two runs at once, and a third run finds nothing to do', async () => {
    const candidates = await adoptionCandidates(deps(), {});
    const [a, b] = await Promise.all([
      adoptAll(deps(), candidates, { dryRun: false, concurrency: 8 }),
      adoptAll(deps(), candidates, { dryRun: false, concurrency: 3 }),
    ]);
    const adopted = [...a, ...b].filter((r) => r.result === 'adopted');
    expect(adopted).toHaveLength(21);
    expect(new Set(adopted.map((r) => r.rowId)).size).toBe(21);
    expect([...a, ...b].filter((r) => r.result === 'failed')).toEqual([]);
    // Each workflow names itself on its row.
    await eventually('every adopted row to be owned', async () => {
      const unowned = await t.db
        .select({ id: workflows.id })
        .from(workflows)
        .where(
          and(
            inArray(
              workflows.id,
              rows.map((r) => r.id),
            ),
            isNull(workflows.temporalWorkflowId),
          ),
        );
      return unowned.length === 0 ? true : undefined;
    });
    const again = await adoptAll(deps(), await adoptionCandidates(deps(), {}), {
      dryRun: false,
      concurrency: 4,
    });
    expect(again.map((r) => r.result)).toEqual(['skipped', 'skipped', 'skipped']);
    // The rows the CLI must leave alone are as they were.
    const [owned] = await t.db
      .select()
      .from(workflows)
      .where(eq(workflows.id, leftAlone.owned[0]!));
    expect(owned!.temporalWorkflowId).toBe(`someone-else-${owned!.id}`);
  });

  it('resumes a task at 85% of its SLA at ORANGE: no YELLOW or ORANGE alert again', async () => {
    for (const r of rows.filter((x) => x.state.startsWith('running-at-85'))) {
      const clock = r.seeded.clock!;
      const sla = await eventually(`${r.type} ${r.state}: ORANGE`, async () => {
        const [found] = await t.db
          .select()
          .from(slaTracking)
          .where(eq(slaTracking.id, clock.slaId));
        return found?.alertLevel === 'ORANGE' ? found : undefined;
      });
      expect(sla.yellowAt!.getTime()).toBe(clock.start + Math.round(0.6 * clock.span));
      expect(sla.orangeAt!.getTime()).toBe(clock.start + Math.round(0.8 * clock.span));
      expect(sla.redAt).toBeNull();
      const alerts = await t.db
        .select({ level: messageMetadata.slaLevel })
        .from(messageMetadata)
        .innerJoin(communications, eq(communications.id, messageMetadata.communicationId))
        .where(eq(communications.workflowId, r.id));
      expect(alerts.filter((n) => n.level === 'YELLOW' || n.level === 'ORANGE')).toEqual([]);
    }
  });

  it('takes the late outcome of a task the old design dispatched', async () => {
    const r = row('MUNICIPAL_LIEN_SEARCH', 'running-first');
    const handle = h.client.workflow.getHandle<BusinessWorkflow>(
      businessWorkflowId('MUNICIPAL_LIEN_SEARCH', r.id),
    );
    const answer = await deliverTaskOutcome(h.client, handle.workflowId, {
      taskExecutionId: r.seeded.tasks[0]![0]!,
      attempt: 1,
      status: 'COMPLETED',
      output: realisticOutput('research_municipality'),
    });
    expect(answer).toMatchObject({ result: 'applied' });
    expect((await handle.result()).status).toBe('COMPLETED');
  });

  it('does not run completed tasks again, and hands their outputs to the next steps', async () => {
    for (const type of WORKFLOW_TYPES) {
      const r = row(type, 'waiting');
      const done = [...r.seeded.tasks[0]!, ...r.seeded.tasks[1]!];
      const handle = h.client.workflow.getHandle<BusinessWorkflow>(businessWorkflowId(type, r.id));
      if (type === 'PAYOFF') {
        await handle.executeUpdate('documentReceived', {
          args: [
            {
              documentId: randomUUID(),
              kind: 'PAYOFF_STATEMENT',
              filename: 'statement.pdf',
              storageUrl: 's3://docs/statement.pdf',
              mimeType: 'application/pdf',
              source: 'LENDER',
            },
          ],
        });
      }
      if (type === 'HOA_ACQUISITION') {
        await handle.executeUpdate('documentReceived', {
          args: [
            {
              documentId: randomUUID(),
              kind: 'HOA_DOCUMENTS',
              filename: 'hoa.pdf',
              storageUrl: 's3://docs/hoa.pdf',
              mimeType: 'application/pdf',
              source: 'HOA',
            },
          ],
        });
      }
      expect((await handle.result()).status).toBe('COMPLETED');
      const mine = h.standIn.dispatches.filter((d) => d.workflowId === r.id);
      expect(mine.some((d) => done.includes(d.taskExecutionId))).toBe(false);
      const later = mine.find((d) => JSON.stringify(d.input).includes(LEGACY_MARK));
      expect(later, `${type}: a later step got the old outputs`).toBeDefined();
      const audit = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.resourceId, r.id), eq(auditEvents.action, 'workflow.adopted')));
      expect(audit).toHaveLength(1);
      expect(audit[0]!.eventData).toMatchObject({ completedSteps: 2 });
    }
  });

  it('turns a task adopted at 85% RED at 95% of its original clock, BREACHED at 100%', async () => {
    const adopted85 = rows.filter((x) => x.state.startsWith('running-at-85'));
    const latest = Math.max(...adopted85.map((x) => x.seeded.clock!.start + x.seeded.clock!.span));
    await h.env!.sleep(Math.max(1, latest + 60_000 - (await h.env!.currentTimeMs())));
    for (const r of adopted85) {
      const clock = r.seeded.clock!;
      const [sla] = await t.db.select().from(slaTracking).where(eq(slaTracking.id, clock.slaId));
      expect(sla!.redAt!.getTime(), `${r.type} ${r.state}`).toBe(
        clock.start + Math.round(0.95 * clock.span),
      );
      expect(sla!.breachedAt!.getTime()).toBe(clock.start + clock.span);
    }
  });

  it('opens the escalation of a failed task once, and takes over one the old design had opened', async () => {
    for (const type of WORKFLOW_TYPES) {
      const failed = row(type, 'failed');
      const opened = await eventually(`${type}: the escalation of the failed task`, async () => {
        const found = await t.db
          .select()
          .from(escalations)
          .where(eq(escalations.workflowId, failed.id));
        return found.length > 0 ? found : undefined;
      });
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({
        status: 'OPEN',
        trigger: 'RETRIES_EXHAUSTED',
        taskExecutionId: failed.seeded.last,
      });

      const escalated = row(type, 'escalated');
      const handle = h.client.workflow.getHandle<BusinessWorkflow>(
        businessWorkflowId(type, escalated.id),
      );
      const status = await handle.query(statusQuery);
      expect(status.openEscalation?.escalationId).toBe(escalated.seeded.escalationId);
      const answer = await resolveEscalation(h.client, handle.workflowId, {
        escalationId: escalated.seeded.escalationId!,
        userId: hil,
        action: 'RETRY',
      });
      expect(answer).toMatchObject({ result: 'applied' });
      // The retry is the step's second attempt (the old design made the first).
      await eventually(`${type}: the retry dispatched`, () =>
        Promise.resolve(
          h.standIn.dispatches.find((d) => d.workflowId === escalated.id && d.attempt === 2),
        ),
      );
      const all = await t.db
        .select()
        .from(escalations)
        .where(eq(escalations.workflowId, escalated.id));
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ status: 'RESOLVED', resolutionAction: 'RETRY' });
    }
  });
});

describe('the adopt command line', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run('npx', ['tsx', 'src/adopt.ts', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        TEMPORAL_ADDRESS: h.address,
        TEMPORAL_TASK_QUEUE: h.taskQueue,
        ...env,
      },
    }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        out: e.stdout,
        err: e.stderr,
      }),
    );

  it('refuses a bad option, naming it', async () => {
    const r = await cli(['--type', 'MORTGAGE']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--type');
  });

  it('prints a summary and exits 0 when nothing failed; 1 when rows failed, with why', async () => {
    const ok = await cli(['--dry-run', '--type', 'PAYOFF']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('would adopt: 0');
    expect(ok.out).toMatch(/skipped: 1\n\s+1 × step 1 is fax_the_lender/);
    // A row that cannot be started fails, and says why: here, on the suite's dev server (a real
    // Temporal, which knows its namespaces), a namespace that does not exist.
    const [client] = await t.db.select().from(clients).limit(1);
    const fresh = await insertLegacyRow(t.db, {
      type: 'PAYOFF',
      state: 'fresh',
      clientId: client!.id,
      now,
    });
    const failing = await cli(['--type', 'PAYOFF'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'no-such-namespace',
    });
    expect(failing.code).toBe(1);
    // Every row fails there (the misfit too: nothing can be looked up), each with why.
    expect(failing.out).toContain('failed: 2');
    expect(failing.out).toContain(`${fresh.id}: Namespace not found`);
    expect(failing.err).toContain('run it again');
  });
});
