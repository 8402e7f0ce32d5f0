import { and, asc, count, desc, eq, exists, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { createDb, isDatabaseUnavailable } from '../../../db/client.js';
import {
  auditEvents,
  clients,
  communications,
  costItems,
  documents,
  escalations,
  invoices,
  slaPauses,
  slaTracking,
  taskExecutions,
  workflows,
} from '../../../db/schema/index.js';
import { asCaller, type JwtClaims } from '../../../db/session.js';
import { legacyBusinessWorkflowId } from '../../../workflows/business/identity.js';
import {
  newWorkflowIdentity,
  requestCancellation,
  startBusinessWorkflow,
  TemporalUnavailableError,
} from '../../clients/business-workflows.js';
import type { ApiDeps } from '../context.js';
import { closedWorkflowError } from '../delivery.js';
import { AppError } from '../errors.js';
import type { cancelWorkflowBody, createWorkflowBody, listWorkflowsQuery } from './schemas.js';
import { TERMINAL_WORKFLOW_STATUSES } from '../../../workflows/vocabulary.js';

const sqlState = (err: unknown) =>
  (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;

/**
 * Creates the workflows row as the caller (RLS: clients only for their organisation) and
 * starts its Temporal workflow. The same Idempotency-Key again returns the first row (and
 * starts its workflow if an earlier attempt could not). If the workflow surely did not start
 * (Temporal or PostgreSQL down, or the request's deadline passed first), the new row is
 * removed again: nothing half-made stays behind.
 */
export async function createWorkflow(
  deps: ApiDeps,
  claims: JwtClaims,
  body: z.infer<typeof createWorkflowBody>,
  idempotencyKey: string | undefined,
  signal?: AbortSignal,
) {
  const { row, created } = await asCaller(
    deps.pool,
    claims,
    async (db) => {
      const me = await db.execute<{ client_id: string | null; internal: boolean }>(
        sql`SELECT public.rls_client_id() AS client_id, public.rls_is_internal() AS internal`,
      );
      const { client_id: ownClient, internal } = me.rows[0]!;
      if (!internal && !ownClient)
        throw new AppError('FORBIDDEN', 'Your account has no profile in this platform');
      const clientId = body.clientId ?? ownClient;
      if (!clientId)
        throw new AppError('VALIDATION_FAILED', 'body.clientId: required for HIL staff');
      if (idempotencyKey) {
        const [existing] = await db
          .select()
          .from(workflows)
          .where(
            and(eq(workflows.clientId, clientId), eq(workflows.idempotencyKey, idempotencyKey)),
          );
        if (existing) return { row: existing, created: false };
      }
      try {
        // The Temporal workflow ID is the row's from the start (it routes every message).
        const [inserted] = await db
          .insert(workflows)
          .values({
            ...body,
            ...newWorkflowIdentity(body.workflowType),
            clientId,
            createdBy: claims.sub,
            idempotencyKey,
          })
          .returning();
        return { row: inserted!, created: true };
      } catch (err) {
        if (sqlState(err) === '42501')
          throw new AppError(
            'FORBIDDEN',
            'You may create workflows only for your own organisation',
          );
        if (sqlState(err) === '23503')
          throw new AppError(
            'VALIDATION_FAILED',
            'body.clientId or body.counterpartyId: no such organisation or counterparty',
          );
        if (sqlState(err) === '23505')
          throw new AppError(
            'CONFLICT',
            'Idempotency-Key is being used by a concurrent request; retry',
          );
        throw err;
      }
    },
    { signal },
  );
  // A row written before the ID named the business type keeps the ID it was started with.
  let workflowId = row.temporalWorkflowId ?? legacyBusinessWorkflowId(row.id);
  try {
    // The caller was already answered 503: do not start what they were told did not happen.
    signal?.throwIfAborted();
    ({ workflowId } = await deps.temporal.connection.withDeadline(
      Date.now() + deps.updateTimeoutMs,
      () =>
        startBusinessWorkflow(
          { db: createDb(deps.pool), client: deps.temporal, taskQueue: deps.taskQueue },
          row.id,
          { timeScale: deps.timeScale },
        ),
    ));
  } catch (err) {
    // The same Idempotency-Key again after its workflow has ended: it did start, back then.
    const started =
      err instanceof WorkflowExecutionAlreadyStartedError
        ? true
        : isDeadlineExceeded(err)
          ? await startedAfterAll(deps, workflowId)
          : false;
    if (started === true) return { workflow: row, temporalWorkflowId: workflowId, created };
    if (created && started === false) await removeUnstartedRow(deps, row.id);
    if (created && started === undefined) {
      deps.log(
        `workflow ${row.id}: Temporal did not say in time whether it started; the row is kept (a retry with the same Idempotency-Key completes it)`,
      );
    }
    if (isDatabaseUnavailable(err) || signal?.aborted) throw err;
    throw new TemporalUnavailableError(
      `could not start the workflow: ${String((err as Error).message)}`,
    );
  }
  return { workflow: row, temporalWorkflowId: workflowId, created };
}

/** After a start that timed out: whether the workflow exists (undefined: cannot tell). */
async function startedAfterAll(deps: ApiDeps, workflowId: string): Promise<boolean | undefined> {
  try {
    await deps.temporal.connection.withDeadline(Date.now() + 2_000, () =>
      deps.temporal.workflow.getHandle(workflowId).describe(),
    );
    return true;
  } catch (err) {
    return err instanceof WorkflowNotFoundError ? false : undefined;
  }
}

/**
 * Deletes a new row whose workflow did not start. PostgreSQL may be down just then (that
 * may be why it did not start): then it is retried in the background for about two minutes.
 */
async function removeUnstartedRow(deps: ApiDeps, rowId: string, attempt = 1): Promise<void> {
  try {
    await deps.pool.query('DELETE FROM workflows WHERE id = $1 AND status = $2', [
      rowId,
      'PENDING',
    ]);
  } catch (err) {
    if (attempt >= 8) {
      deps.log(`workflow ${rowId}: could not remove the unstarted row: ${String(err)}`);
      return;
    }
    setTimeout(() => void removeUnstartedRow(deps, rowId, attempt + 1), 500 * 2 ** attempt).unref();
  }
}

function isDeadlineExceeded(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 4) return true;
    if (/deadline/i.test(String((e as Error).message ?? ''))) return true;
  }
  return false;
}

export async function listWorkflows(
  deps: ApiDeps,
  claims: JwtClaims,
  q: z.infer<typeof listWorkflowsQuery>,
) {
  return asCaller(deps.pool, claims, async (db) => {
    const where: SQL[] = [];
    if (q.type) where.push(eq(workflows.workflowType, q.type));
    if (q.status) where.push(eq(workflows.status, q.status));
    if (q.clientId) where.push(eq(workflows.clientId, q.clientId));
    if (q.search) {
      // Title, or the property address: what people type to find an order.
      const like = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(
        or(
          ilike(workflows.title, like),
          ilike(sql`${workflows.metadata}->>'propertyAddress'`, like),
        )!,
      );
    }
    if (q.slaLevel) {
      where.push(
        exists(
          db
            .select({ one: sql`1` })
            .from(slaTracking)
            .where(
              and(
                eq(slaTracking.workflowId, workflows.id),
                eq(slaTracking.status, 'ACTIVE'),
                eq(slaTracking.alertLevel, q.slaLevel),
              ),
            ),
        ),
      );
    }
    const filter = where.length ? and(...where) : undefined;
    const items = await db
      .select()
      .from(workflows)
      .where(filter)
      .orderBy(desc(workflows.createdAt), asc(workflows.id))
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await db.select({ n: count() }).from(workflows).where(filter);
    return { items, total: total!.n, limit: q.limit, offset: q.offset };
  });
}

/** One workflow with everything about it the caller may see (RLS decides). */
export async function getWorkflow(deps: ApiDeps, claims: JwtClaims, id: string) {
  return asCaller(deps.pool, claims, async (db) => {
    const [workflow] = await db.select().from(workflows).where(eq(workflows.id, id));
    if (!workflow) throw new AppError('NOT_FOUND', `No workflow ${id} (or not yours to see)`);
    const [tasks, sla, pauses, escalationRows, documentRows, communicationRows, invoiceRows] =
      await Promise.all([
        db
          .select()
          .from(taskExecutions)
          .where(eq(taskExecutions.workflowId, id))
          .orderBy(asc(taskExecutions.stepIndex), asc(taskExecutions.attempt)),
        db
          .select()
          .from(slaTracking)
          .where(eq(slaTracking.workflowId, id))
          .orderBy(asc(slaTracking.startedAt)),
        db
          .select()
          .from(slaPauses)
          .where(eq(slaPauses.workflowId, id))
          .orderBy(asc(slaPauses.pausedAt)),
        db
          .select()
          .from(escalations)
          .where(eq(escalations.workflowId, id))
          .orderBy(asc(escalations.createdAt)),
        db
          .select()
          .from(documents)
          .where(eq(documents.workflowId, id))
          .orderBy(asc(documents.createdAt)),
        db
          .select()
          .from(communications)
          .where(eq(communications.workflowId, id))
          .orderBy(asc(communications.createdAt)),
        db.select().from(invoices).where(eq(invoices.workflowId, id)),
      ]);
    const lines = invoiceRows.length
      ? await db
          .select()
          .from(costItems)
          .where(
            inArray(
              costItems.invoiceId,
              invoiceRows.map((i) => i.id),
            ),
          )
      : [];
    const invoice = invoiceRows.find((i) => i.status !== 'VOID');
    return {
      workflow,
      tasks,
      // Each clock with its pauses (why it stopped, when, and until when).
      sla: sla.map((clock) => ({ ...clock, pauses: pauses.filter((p) => p.slaId === clock.id) })),
      escalations: escalationRows,
      documents: documentRows,
      communications: communicationRows,
      invoice: invoice
        ? { ...invoice, costItems: lines.filter((l) => l.invoiceId === invoice.id) }
        : null,
    };
  });
}

export async function auditLog(deps: ApiDeps, claims: JwtClaims, id: string) {
  return asCaller(deps.pool, claims, async (db) => {
    const [workflow] = await db
      .select({ id: workflows.id })
      .from(workflows)
      .where(eq(workflows.id, id));
    if (!workflow) throw new AppError('NOT_FOUND', `No workflow ${id} (or not yours to see)`);
    const events = await db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.workflowId, id))
      .orderBy(asc(auditEvents.createdAt), asc(auditEvents.id));
    return { workflowId: id, events };
  });
}

/** Asks the workflow to cancel (Temporal cancel): it closes its rows itself. */
export async function cancelWorkflow(
  deps: ApiDeps,
  claims: JwtClaims & { sub: string },
  id: string,
  body: z.infer<typeof cancelWorkflowBody>,
) {
  const workflow = await asCaller(deps.pool, claims, async (db) => {
    const [row] = await db.select().from(workflows).where(eq(workflows.id, id));
    return row;
  });
  if (!workflow) throw new AppError('NOT_FOUND', `No workflow ${id} (or not yours to see)`);
  if ((TERMINAL_WORKFLOW_STATUSES as readonly string[]).includes(workflow.status)) {
    throw new AppError('CONFLICT', `Workflow ${id} is already ${workflow.status}`);
  }
  const answer = await requestCancellation(
    deps.temporal,
    workflow.temporalWorkflowId ?? legacyBusinessWorkflowId(id),
    { userId: claims.sub, reason: body.reason },
    { timeoutMs: deps.updateTimeoutMs },
  );
  if (answer.result === 'closed') throw await closedWorkflowError(deps, id, answer);
  deps.log(`workflow ${id} cancel requested by ${claims.sub}: ${body.reason}`);
  return {
    workflowId: id,
    result: 'cancelling',
    message: 'Cancellation requested; the workflow closes its rows.',
  };
}

/** The client organisations the caller may see (all for HIL staff; a client: their own). */
export function listClients(deps: ApiDeps, claims: JwtClaims) {
  return asCaller(deps.pool, claims, (db) =>
    db.select({ id: clients.id, name: clients.name }).from(clients).orderBy(asc(clients.name)),
  );
}
