import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflows } from '../../db/schema/index.js';
import { temporalIdOf } from '../../src/api/routing.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { TEMPORAL_CLI } from '../../src/dev/tools.js';
import { startBusinessWorkflow } from '../../src/clients/business-workflows.js';
import {
  LEGACY_WORKFLOW_TYPE,
  legacyBusinessWorkflowId,
} from '../../workflows/business/identity.js';
import type { BusinessWorkflowInput } from '../../workflows/business/workflow.js';
import { latestVersion } from '../../workflows/definitions/index.js';
import { startHarness, stopHarness, workflowRow, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import { completeAll, counterpartyAnswers } from '../helpers/n8n-stand-in.js';
import { recordHistory } from '../helpers/temporal.js';
import { eventually } from '../helpers/wait.js';

// What an operator sees in the Temporal UI and on the CLI: workflow types and IDs that name
// the business type, summaries and details in words, and the queries of docs/operations.md,
// each one run here as written there.

let t: TestDatabase;
let h: Harness;
/** The workflows of this file, by role. */
const w = {} as Record<'payoff' | 'legacy' | 'blocked' | 'late', { rowId: string; id: string }>;

beforeAll(async () => {
  ({ t, h } = await startHarness({
    // A payoff completes; an HOA acquisition's agent asks for a person (blocked: new, and one
    // started the old way); a lien search's agent never answers (its SLA climbs to RED and past
    // it, time 3,600 times faster).
    script: async (ctx) => {
      const id = ctx.dispatch.temporalWorkflowId;
      if (id.startsWith('hoa-acquisition-') || id.startsWith('workflow-')) {
        return { status: 'NEEDS_HUMAN', reason: 'The HOA portal wants a phone call' };
      }
      if (id.startsWith('municipal-lien-search-')) {
        return { status: 'SILENT' };
      }
      await counterpartyAnswers(ctx);
      return completeAll(ctx);
    },
  }));
  const payoff = await h.start('PAYOFF', { priority: 'HIGH' });
  const blocked = await h.start('HOA_ACQUISITION');
  const late = await h.start('MUNICIPAL_LIEN_SEARCH', { timeScale: 1 / 3_600 });
  w.payoff = { rowId: payoff.rowId, id: payoff.workflowId };
  w.blocked = { rowId: blocked.rowId, id: blocked.workflowId };
  w.late = { rowId: late.rowId, id: late.workflowId };

  // A workflow started the old way: type businessWorkflow, ID workflow-<row id>, and a row
  // that does not name it yet (the workflow writes it in its first task).
  const { clientId } = await workflowRow(t, payoff.rowId);
  const [row] = await t.db
    .insert(workflows)
    .values({ workflowType: 'HOA_ACQUISITION', clientId, title: 'Old HOA', metadata: {} })
    .returning();
  const input: BusinessWorkflowInput = {
    workflowRowId: row!.id,
    workflowType: 'HOA_ACQUISITION',
    definitionVersion: latestVersion('HOA_ACQUISITION'),
    priority: 'NORMAL',
    clientId,
    metadata: {},
  };
  await h.client.workflow.start(LEGACY_WORKFLOW_TYPE, {
    workflowId: legacyBusinessWorkflowId(row!.id),
    taskQueue: h.taskQueue,
    args: [input],
  });
  w.legacy = { rowId: row!.id, id: legacyBusinessWorkflowId(row!.id) };
  await h.client.workflow.getHandle(w.payoff.id).result();
  // Under its own type (PayoffWorkflow): the replay suite holds one such history.
  recordHistory('payoff-completed-as-payoff-workflow', 'dev', h.address, w.payoff.id);
}, 120_000);

afterAll(async () => {
  for (const { id } of [w.blocked, w.late, w.legacy]) {
    if (id)
      await h.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
  }
  await stopHarness(t, h);
});

interface Listed {
  execution: { workflowId: string };
  type: { name: string };
}

/** `temporal workflow list --query ...` on the test's dev server, as JSON. */
function list(query: string): Listed[] {
  const out = execFileSync(
    TEMPORAL_CLI,
    ['workflow', 'list', '--address', h.address, '--query', query, '--output', 'json'],
    { timeout: 20_000 },
  )
    .toString()
    .trim();
  if (out === '') return [];
  try {
    const parsed = JSON.parse(out) as Listed | Listed[];
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return out.split('\n').map((line) => JSON.parse(line) as Listed);
  }
}

const ids = (rows: Listed[]) => rows.map((r) => r.execution.workflowId);

/** Until the query lists every one of `want` (visibility follows a moment later). */
async function listsAll(query: string, want: string[]): Promise<Listed[]> {
  return eventually(
    `${query} to list ${want.join(', ')}`,
    () => {
      const rows = list(query);
      return want.every((id) => ids(rows).includes(id)) ? rows : undefined;
    },
    60_000,
  );
}

describe('workflow types and IDs', () => {
  it('new workflows start under the business type name and an ID that says it; old ones keep theirs', async () => {
    expect(w.payoff.id).toBe(`payoff-${w.payoff.rowId}`);
    expect(w.blocked.id).toBe(`hoa-acquisition-${w.blocked.rowId}`);
    expect(w.late.id).toBe(`municipal-lien-search-${w.late.rowId}`);
    const payoffs = await listsAll(`WorkflowType='PayoffWorkflow' AND TaskQueue='${h.taskQueue}'`, [
      w.payoff.id,
    ]);
    expect(payoffs.find((r) => r.execution.workflowId === w.payoff.id)!.type.name).toBe(
      'PayoffWorkflow',
    );
    const hoa = await listsAll(`WorkflowType='HoaAcquisitionWorkflow'`, [w.blocked.id]);
    expect(hoa.find((r) => r.execution.workflowId === w.blocked.id)!.type.name).toBe(
      'HoaAcquisitionWorkflow',
    );
    expect(ids(hoa)).not.toContain(w.legacy.id);
    const old = await listsAll(`WorkflowType='${LEGACY_WORKFLOW_TYPE}'`, [w.legacy.id]);
    expect(ids(old)).not.toContain(w.blocked.id);
    await listsAll(`WorkflowType='MunicipalLienSearchWorkflow'`, [w.late.id]);
    // The row keeps the ID it was started with; the old workflow wrote its own.
    expect((await workflowRow(t, w.payoff.rowId)).temporalWorkflowId).toBe(w.payoff.id);
    await eventually('the old workflow naming itself on its row', async () =>
      (await workflowRow(t, w.legacy.rowId)).temporalWorkflowId === w.legacy.id ? true : undefined,
    );
  });

  it('starting a row again attaches to its workflow, old ID or new; messages are routed by the row', async () => {
    const deps = { db: t.db, client: h.client, taskQueue: h.taskQueue };
    const before = await h.client.workflow.getHandle(w.blocked.id).describe();
    const again = await startBusinessWorkflow(deps, w.blocked.rowId);
    expect(again).toEqual({ workflowId: w.blocked.id, runId: before.runId });
    const legacyBefore = await h.client.workflow.getHandle(w.legacy.id).describe();
    expect(await startBusinessWorkflow(deps, w.legacy.rowId)).toEqual({
      workflowId: w.legacy.id,
      runId: legacyBefore.runId,
    });
    // A row written the old way whose workflow has not yet named itself on it.
    await t.pool.query('UPDATE workflows SET temporal_workflow_id = NULL WHERE id = $1', [
      w.legacy.rowId,
    ]);
    expect((await startBusinessWorkflow(deps, w.legacy.rowId)).workflowId).toBe(w.legacy.id);
    expect((await workflowRow(t, w.legacy.rowId)).temporalWorkflowId).toBeNull();
    // Nothing else runs for either row.
    for (const [rowId, id] of [
      [w.blocked.rowId, w.blocked.id],
      [w.legacy.rowId, w.legacy.id],
    ] as const) {
      const others = ids(list(`TaskQueue='${h.taskQueue}'`)).filter(
        (x) => x.endsWith(rowId) && x !== id,
      );
      expect(others).toEqual([]);
    }
    await t.pool.query('UPDATE workflows SET temporal_workflow_id = $2 WHERE id = $1', [
      w.legacy.rowId,
      w.legacy.id,
    ]);
    // What the API sends each message to.
    expect(await temporalIdOf({ pool: t.pool }, w.blocked.rowId)).toBe(w.blocked.id);
    expect(await temporalIdOf({ pool: t.pool }, w.legacy.rowId)).toBe(w.legacy.id);
    const unknown = '00000000-0000-4000-8000-000000000001';
    expect(await temporalIdOf({ pool: t.pool }, unknown)).toBe(`workflow-${unknown}`);
  });

  it('a business type workflow refuses the input of another type', async () => {
    const row = await workflowRow(t, w.blocked.rowId);
    const handle = await h.client.workflow.start('PayoffWorkflow', {
      workflowId: `wrong-type-${Date.now()}`,
      taskQueue: h.taskQueue,
      args: [
        {
          workflowRowId: row.id,
          workflowType: 'HOA_ACQUISITION',
          definitionVersion: latestVersion('HOA_ACQUISITION'),
          priority: 'NORMAL',
          clientId: row.clientId,
          metadata: {},
        } satisfies BusinessWorkflowInput,
      ],
    });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toContain(
      'PayoffWorkflow runs PAYOFF workflows, not HOA_ACQUISITION',
    );
  });
});

describe('user metadata', () => {
  it('the summary says what, for whom, where and how urgent; the details what it is doing now', async () => {
    const row = await workflowRow(t, w.blocked.rowId);
    const { rows } = await t.pool.query<{ name: string }>(
      'SELECT name FROM clients WHERE id = $1',
      [row.clientId],
    );
    const description = await h.client.workflow.getHandle(w.blocked.id).describe();
    expect(await description.staticSummary()).toBe(
      `HOA document acquisition for ${rows[0]!.name} · 12 Elm St, Springfield · NORMAL priority`,
    );
    expect(await description.staticDetails()).toContain(`Row \`${row.id}\``);
    const details = await eventually('the details of the open escalation', async () => {
      const metadata = await h.client.workflow
        .getHandle(w.blocked.id)
        .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return metadata.currentDetails?.includes('Blocked on a person')
        ? metadata.currentDetails
        : undefined;
    });
    expect(details).toContain(`**HOA document acquisition** for ${rows[0]!.name}`);
    expect(details).toMatch(/Step 1 of \d+: \*\*\w+\*\*/);
    expect(details).toContain(
      'escalated (the agent asked for a person: The HOA portal wants a phone call)',
    );
    expect(details).toContain('nobody has taken it yet');
    expect(details).toMatch(/Workflow due \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in /);
  });
});

/** The operator queries of docs/operations.md: title, CLI query, UI link. */
function documentedQueries(): { title: string; query: string; link: string }[] {
  const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8');
  const found = [
    ...doc.matchAll(
      /### ([^\n]+)\n(?:(?!###)[\s\S])*?```sh\ntemporal workflow list --query "(.+)"\n```\n\n\[In the Temporal UI\]\((.+)\)/g,
    ),
  ];
  return found.map((m) => ({ title: m[1]!, query: m[2]!, link: m[3]! }));
}

describe('the operator queries in docs/operations.md', () => {
  it('each one answers, as the CLI line and as the Temporal UI link', async () => {
    const queries = documentedQueries();
    expect(queries.map((q) => q.title)).toEqual([
      'All RED or BREACHED work',
      'Everything blocked on a human',
      "One client's open work",
      'Work stuck on one step for more than N hours',
      'Overdue work',
      'One business type, old and new workflows alike',
    ]);
    const row = await workflowRow(t, w.blocked.rowId);
    const status = await h.client.workflow
      .getHandle(w.blocked.id)
      .query<{ currentStep?: { taskType: string } }>('status');
    const fill = (query: string) =>
      query
        .replace('<client id>', row.clientId)
        .replace('<task type>', status.currentStep!.taskType)
        .replace('<now minus N hours>', new Date().toISOString())
        .replace('<now>', new Date().toISOString());
    // Every query is exactly what its link asks the UI.
    for (const q of queries) {
      expect(new URL(q.link).searchParams.get('query')).toBe(q.query);
    }
    const expected: Record<string, { has: string[]; hasNot: string[] }> = {
      'All RED or BREACHED work': { has: [w.late.id], hasNot: [w.payoff.id] },
      'Everything blocked on a human': { has: [w.blocked.id], hasNot: [w.payoff.id] },
      "One client's open work": { has: [w.blocked.id, w.late.id], hasNot: [w.payoff.id] },
      'Work stuck on one step for more than N hours': { has: [w.blocked.id], hasNot: [] },
      'Overdue work': { has: [w.late.id], hasNot: [w.blocked.id] },
      'One business type, old and new workflows alike': {
        has: [w.blocked.id, w.legacy.id],
        hasNot: [w.payoff.id],
      },
    };
    for (const q of queries) {
      const { has, hasNot } = expected[q.title]!;
      const rows = await eventually(
        `"${q.title}" to list ${has.join(', ')}`,
        () => {
          const listed = ids(list(fill(q.query)));
          return has.every((id) => listed.includes(id)) ? listed : undefined;
        },
        60_000,
      );
      for (const id of hasNot) expect(rows, q.title).not.toContain(id);
    }
  }, 180_000);
});
