// A batch of business workflows driven through the API as clients and counterparties would,
// and the checks run after a fault: every workflow completed, no row lost or written twice,
// one audit event per transition, and the API never answered 500 nor hung.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { TEMPORAL_CLI } from '../../src/dev/tools.js';
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/api/auth/hmac.js';
import {
  getDefinition,
  latestVersion,
  type WorkflowType,
} from '../../workflows/definitions/index.js';
import type pg from 'pg';
import { progress } from './stack.js';

/** What a batch needs of a running stack (the fault harness's, or one `npm start` runs). */
export interface BatchTarget {
  apiUrl: string;
  /** Several API instances (a cluster): requests go to each in turn. */
  apiUrls?: string[];
  /** A client user's token. */
  token: string;
  /** n8n's signing secret: the counterparties' documents come signed. */
  hmacSecret: string;
  /** A pool on the business database, for the checks. */
  pool: pg.Pool;
  /** The stack's last output lines, for a failure's message. */
  recentOutput(): string;
  /** The Temporal frontend, to describe workflows that did not finish. */
  temporalAddress: string;
  /** Which of our processes died with nobody killing them (a crash ends the wait at once). */
  deaths?(): string | undefined;
}

const TYPES: WorkflowType[] = ['PAYOFF', 'MUNICIPAL_LIEN_SEARCH', 'HOA_ACQUISITION'];

/** Which inbound document a waiting step of each type needs (the counterparty sends it). */
const DOCUMENT_FOR: Record<string, { kind: string; filename: string }> = {
  extract_payoff_data: { kind: 'PAYOFF_STATEMENT', filename: 'payoff-statement.pdf' },
  await_documents: { kind: 'HOA_DOCUMENTS', filename: 'hoa-bundle.pdf' },
};

/** One API call as the batch saw it. */
export interface Answer {
  what: string;
  status: number | 'network error';
  ms: number;
  at: number;
}

/** A request that hung: no answer within this is a failure (the API bounds itself to 15 s). */
export const HUNG_MS = 20_000;

async function timedFetch(
  answers: Answer[],
  what: string,
  url: string,
  init: RequestInit,
): Promise<Response | undefined> {
  const t0 = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(HUNG_MS + 10_000) });
    answers.push({ what, status: res.status, ms: Date.now() - t0, at: t0 });
    return res;
  } catch {
    answers.push({ what, status: 'network error', ms: Date.now() - t0, at: t0 });
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates `count` workflows (the three types in turn) through the API, retrying as a client
 * would (same Idempotency-Key), and plays the counterparties: each waiting step gets its
 * document (signed, as n8n's channel connector posts it; retried until it is taken).
 */
export function startBatch(stack: BatchTarget, count = 20) {
  const answers: Answer[] = [];
  const ids: { id: string; type: WorkflowType }[] = [];
  const posted = new Set<string>();
  let stopped = false;

  const urls = stack.apiUrls ?? [stack.apiUrl];
  let turn = 0;
  const nextApi = () => urls[turn++ % urls.length]!;
  const create = async (i: number) => {
    const type = TYPES[i % TYPES.length]!;
    const key = `fault-${randomUUID()}`;
    for (;;) {
      const res = await timedFetch(answers, 'create', `${nextApi()}/api/workflows`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.token}`,
          'idempotency-key': key,
        },
        body: JSON.stringify({
          workflowType: type,
          title: `${type} ${i} for ${i} Elm St`,
          metadata: { propertyAddress: `${i} Elm St, Springfield`, loanNumber: `LN-${i}` },
        }),
      });
      if (res && (res.status === 201 || res.status === 200)) {
        const body = (await res.json()) as { workflow: { id: string } };
        ids.push({ id: body.workflow.id, type });
        return;
      }
      await sleep(500);
    }
  };

  const sendDocument = async (workflowId: string, taskType: string) => {
    const doc = DOCUMENT_FOR[taskType]!;
    // The same document ID on every retry: the workflow keeps it once.
    const body = JSON.stringify({
      documentId: uuidFrom(workflowId),
      kind: doc.kind,
      filename: doc.filename,
      storageUrl: `s3://docs/${workflowId}/${doc.filename}`,
      mimeType: 'application/pdf',
      source: 'COUNTERPARTY',
    });
    for (;;) {
      const ts = Math.floor(Date.now() / 1000);
      const res = await timedFetch(
        answers,
        'document',
        `${nextApi()}/api/workflows/${workflowId}/documents`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [TIMESTAMP_HEADER]: String(ts),
            [SIGNATURE_HEADER]: sign(stack.hmacSecret, ts, body),
          },
          body,
        },
      );
      if (res && [200, 202].includes(res.status)) return;
      await sleep(1000);
    }
  };

  // The counterparties: a waiting step gets its document a moment later.
  const counterparties = (async () => {
    while (!stopped) {
      try {
        const { rows } = await stack.pool.query<{ workflow_id: string; task_type: string }>(
          `SELECT workflow_id, task_type FROM task_executions
            WHERE status = 'WAITING' AND workflow_id = ANY($1::uuid[])`,
          [ids.map((x) => x.id)],
        );
        for (const r of rows) {
          if (posted.has(r.workflow_id)) continue;
          posted.add(r.workflow_id);
          void sendDocument(r.workflow_id, r.task_type);
        }
      } catch {
        // PostgreSQL may be down (that is the fault): look again in a moment.
      }
      await sleep(250);
    }
  })();

  const created = Promise.all(Array.from({ length: count }, (_, i) => create(i)));
  return {
    answers,
    ids,
    created,
    /** Waits until every workflow of the batch is COMPLETED (or fails naming the others). */
    async allCompleted(also: { id: string }[] = [], timeoutMs = 300_000) {
      await created;
      const all = [...ids, ...also];
      const count = all.length;
      const deadline = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        try {
          const { rows } = await stack.pool.query<{
            id: string;
            tid: string | null;
            status: string;
            step: string;
          }>(
            `SELECT w.id, w.temporal_workflow_id AS tid, w.status,
                    coalesce((SELECT t.task_type || ' ' || t.status || ' #' || t.attempt
                                FROM task_executions t WHERE t.workflow_id = w.id
                               ORDER BY t.step_index DESC, t.attempt DESC LIMIT 1), '-') AS step
               FROM workflows w WHERE w.id = ANY($1::uuid[])`,
            [all.map((x) => x.id)],
          );
          const open = rows.filter((r) => r.status !== 'COMPLETED');
          if (rows.length === count && open.length === 0) {
            progress(`all ${count} workflows COMPLETED`);
            return;
          }
          const summary = `${count - open.length} of ${count} completed`;
          if (summary !== last) progress(summary);
          last = summary;
          const dead = stack.deaths?.();
          if (dead) {
            throw new Error(`Only ${summary}: ${dead}\n${stack.recentOutput()}`);
          }
          if (Date.now() > deadline) {
            throw new Error(
              `Only ${summary} after ${timeoutMs / 1000} s; still open:\n${open
                .map((r) => `  ${r.id} ${r.status} (last task: ${r.step})`)
                .join('\n')}\n${describe(stack, open.slice(0, 2))}\n${stack.recentOutput()}`,
            );
          }
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('Only ')) throw err;
        }
        await sleep(1000);
      }
    },
    async stop() {
      stopped = true;
      await counterparties;
    },
  };
}

/** What Temporal says of workflows that did not finish (pending activities, tasks, timers). */
function describe(stack: BatchTarget, open: { id: string; tid: string | null }[]): string {
  return open
    .map(({ id, tid }) => {
      const workflowId = tid ?? `workflow-${id}`;
      try {
        return execFileSync(
          TEMPORAL_CLI,
          ['workflow', 'describe', '--workflow-id', workflowId, '--address', stack.temporalAddress],
          { timeout: 10_000 },
        ).toString();
      } catch (err) {
        return `temporal workflow describe ${workflowId}: ${String(err)}`;
      }
    })
    .join('\n');
}

/** A UUID derived from another (the document's ID for a workflow): stable across retries. */
function uuidFrom(id: string): string {
  return `${id.slice(0, 14)}4${id.slice(15, 19)}${'89ab'[parseInt(id[19]!, 16) % 4]}${id.slice(20, 23)}-d0c0${id.slice(28)}`;
}

/**
 * While a fault lasts: a client listing and creating workflows every 500 ms, recording what
 * the API answered and how long it took (created workflows are returned to be checked too).
 */
export function probeApi(stack: BatchTarget) {
  const answers: Answer[] = [];
  const created: { id: string; type: WorkflowType }[] = [];
  let stopped = false;
  let lastCreate = 0;
  const loop = (async () => {
    while (!stopped) {
      await timedFetch(answers, 'list', `${stack.apiUrl}/api/workflows?limit=5`, {
        headers: { authorization: `Bearer ${stack.token}` },
      });
      // A create every 5 s: each one that succeeds is one more workflow to complete and check.
      if (Date.now() - lastCreate < 5_000) {
        await sleep(500);
        continue;
      }
      lastCreate = Date.now();
      const res = await timedFetch(answers, 'create', `${stack.apiUrl}/api/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
        body: JSON.stringify({ workflowType: 'MUNICIPAL_LIEN_SEARCH', title: 'During the fault' }),
      });
      if (res?.status === 201) {
        const body = (await res.json()) as { workflow: { id: string } };
        created.push({ id: body.workflow.id, type: 'MUNICIPAL_LIEN_SEARCH' });
      }
      await sleep(500);
    }
  })();
  return {
    answers,
    created,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** What went wrong with the API's answers: any 500, or any answer slower than HUNG_MS. */
export function badAnswers(answers: Answer[]): string[] {
  return answers
    .filter((a) => a.status === 500 || a.ms > HUNG_MS)
    .map((a) => `${a.what}: ${a.status} after ${a.ms} ms`);
}

/**
 * The rows of every workflow, checked against its definition: each step done exactly once,
 * attempts numbered without gaps or repeats, one SLA clock per step, the documents and the
 * invoice once, and one audit event per transition. Returns the problems found (none: []).
 */
export async function checkRows(
  stack: BatchTarget,
  workflows: { id: string; type: WorkflowType }[],
): Promise<string[]> {
  const problems: string[] = [];
  const q = async <T extends object>(text: string, id: string) =>
    (await stack.pool.query<T>(text, [id])).rows;
  for (const { id, type } of workflows) {
    const steps = getDefinition(type, latestVersion(type)).steps;
    const [row] = await q<{ status: string }>(`SELECT status FROM workflows WHERE id = $1`, id);
    if (row?.status !== 'COMPLETED') problems.push(`${id}: ${row?.status ?? 'no row'}`);
    const tasks = await q<{
      id: string;
      step_index: number;
      attempt: number;
      status: string;
      error_message: string | null;
    }>(
      `SELECT id, step_index, attempt, status, error_message FROM task_executions
        WHERE workflow_id = $1 ORDER BY step_index, attempt`,
      id,
    );
    for (const [i, step] of steps.entries()) {
      const attempts = tasks.filter((t) => t.step_index === i);
      const done = attempts.filter((t) => t.status === 'COMPLETED');
      if (done.length !== 1)
        problems.push(`${id} ${step.taskType}: ${done.length} COMPLETED attempts`);
      const numbers = attempts.map((t) => t.attempt);
      if (numbers.join() !== numbers.map((_, k) => k + 1).join())
        problems.push(`${id} ${step.taskType}: attempts ${numbers.join(',')}`);
      for (const t of attempts.filter((x) => x.status === 'FAILED')) {
        // The only failure a fault may cause is a lost outcome, retried.
        if (!t.error_message?.startsWith('No outcome from the agent'))
          problems.push(`${id} ${step.taskType} #${t.attempt} FAILED: ${t.error_message}`);
      }
    }
    const count = async (table: string) =>
      Number(
        (
          await q<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE workflow_id = $1`, id)
        )[0]!.n,
      );
    const expect = (what: string, got: number, want: number) => {
      if (got !== want) problems.push(`${id} ${what}: ${got}, expected ${want}`);
    };
    expect('sla_tracking', await count('sla_tracking'), steps.length);
    expect('escalations', await count('escalations'), 0);
    expect('documents', await count('documents'), steps.filter((s) => s.awaits).length);
    const invoiced = steps.some((s) => s.taskType === 'generate_invoice') ? 1 : 0;
    expect('invoices', await count('invoices'), invoiced);
    expect('cost_items', await count('cost_items'), invoiced * 2);
    // One audit event per transition: no (action, resource, level) twice, and each task row
    // started once and ended once.
    const twice = await q<{ action: string; resource_id: string; n: string }>(
      `SELECT action, resource_id, count(*) AS n FROM audit_events WHERE workflow_id = $1
        GROUP BY action, resource_id, event_data->>'level' HAVING count(*) > 1`,
      id,
    );
    for (const d of twice)
      problems.push(`${id}: audit ${d.action} on ${d.resource_id} ${d.n} times`);
    const events = await q<{ action: string; resource_id: string }>(
      `SELECT action, resource_id FROM audit_events WHERE workflow_id = $1`,
      id,
    );
    const has = (action: string, resource: string) =>
      events.filter((e) => e.action === action && e.resource_id === resource).length;
    expect('workflow.started events', has('workflow.started', id), 1);
    expect('workflow.completed events', has('workflow.completed', id), 1);
    for (const t of tasks.filter((x) => ['COMPLETED', 'FAILED', 'SKIPPED'].includes(x.status))) {
      const ended = has(`task.${t.status.toLowerCase()}`, t.id);
      if (ended !== 1) problems.push(`${id} task ${t.id}: ${ended} task.${t.status} events`);
    }
  }
  return problems;
}

/**
 * Recovery time: how long after `since` the last of the batch's workflows still open then
 * completed a task (whichever history service owned its shard, whichever worker ran it).
 */
export async function everyOneMoved(
  s: Pick<BatchTarget, 'pool'>,
  ids: { id: string }[],
  since: number,
) {
  const { rows: open } = await s.pool.query<{ id: string }>(
    `SELECT id FROM workflows WHERE id = ANY($1::uuid[]) AND status <> 'COMPLETED'`,
    [ids.map((x) => x.id)],
  );
  for (;;) {
    const { rows } = await s.pool.query<{ id: string; at: Date | null }>(
      `SELECT w.id, (SELECT min(t.completed_at) FROM task_executions t
                      WHERE t.workflow_id = w.id AND t.completed_at > $2) AS at
         FROM workflows w WHERE w.id = ANY($1::uuid[])`,
      [open.map((x) => x.id), new Date(since)],
    );
    if (rows.every((r) => r.at)) {
      return Math.max(0, ...rows.map((r) => r.at!.getTime() - since));
    }
    await sleep(500);
  }
}
