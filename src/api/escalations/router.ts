import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import {
  escalations,
  slaTracking,
  taskExecutions,
  userProfiles,
  workflows,
} from '../../../db/schema/index.js';
import type { Database } from '../../../db/client.js';
import { asCaller, type JwtClaims } from '../../../db/session.js';
import { CHANNELS, WORKFLOW_TYPES } from '../../../workflows/definitions/index.js';
import { assignEscalation, resolveEscalation } from '../../workflows/service.js';
import { requireUser, type ApiDeps } from '../context.js';
import { temporalIdOf } from '../routing.js';
import { closedWorkflowError } from '../delivery.js';
import { AppError, parseRequest } from '../errors.js';
import { ESCALATION_STATUSES } from '../../../workflows/vocabulary.js';

// HIL staff: the open escalations, most urgent first, and their resolution.

export const escalationListQuery = z.strictObject({
  status: z.enum(ESCALATION_STATUSES).default('OPEN'),
  workflowType: z.enum(WORKFLOW_TYPES).optional(),
  /** `me`, `unassigned`, or a user ID. */
  assignedTo: z.union([z.literal('me'), z.literal('unassigned'), z.uuid()]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const escalationParams = z.strictObject({ id: z.uuid() });

/** The decision, without the escalation and user IDs (from the path and the token). */
export const resolveBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('RETRY'),
    note: z.string().max(4000).optional(),
    agent: z.string().min(1).max(100).optional(),
    channel: z.enum(CHANNELS).optional(),
  }),
  z.strictObject({
    action: z.literal('COMPLETE'),
    note: z.string().max(4000).optional(),
    output: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({ action: z.literal('SKIP'), note: z.string().min(1).max(4000) }),
  z.strictObject({ action: z.literal('CANCEL_WORKFLOW'), note: z.string().min(1).max(4000) }),
]);

/** Who takes the escalation: the caller when no one is named. */
export const assignBody = z.strictObject({
  assigneeId: z.uuid().optional(),
  note: z.string().max(4000).optional(),
});

/**
 * Runs `fn` as the caller, in the same transaction as the check that they are HIL staff, a
 * manager or an admin (per their profile): 403 otherwise, before anything else is read.
 */
function asInternal<T>(
  deps: ApiDeps,
  claims: JwtClaims,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  return asCaller(deps.pool, claims, async (db) => {
    const { rows } = await db.execute<{ internal: boolean }>(
      sql`SELECT public.rls_is_internal() AS internal`,
    );
    if (!rows[0]!.internal)
      throw new AppError('FORBIDDEN', 'Only HIL staff and managers handle escalations');
    return fn(db);
  });
}

/** Rank of an SLA level for sorting: the worse, the sooner. */
const urgency = sql<number>`CASE ${slaTracking.alertLevel}
  WHEN 'BREACHED' THEN 0 WHEN 'RED' THEN 1 WHEN 'ORANGE' THEN 2 WHEN 'YELLOW' THEN 3 ELSE 4 END`;

export function escalationsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/api/escalations', async (req, res) => {
    const claims = requireUser(res);
    const q = parseRequest(escalationListQuery, req.query, 'query');
    const items = await asInternal(deps, claims, (db) =>
      db
        .select({
          escalation: escalations,
          workflowType: workflows.workflowType,
          taskType: taskExecutions.taskType,
          slaLevel: sql<string>`coalesce(${slaTracking.alertLevel}, 'GREEN')`,
          slaDueAt: slaTracking.dueAt,
        })
        .from(escalations)
        .innerJoin(workflows, eq(workflows.id, escalations.workflowId))
        .innerJoin(taskExecutions, eq(taskExecutions.id, escalations.taskExecutionId))
        .leftJoin(
          slaTracking,
          and(eq(slaTracking.workflowId, escalations.workflowId), eq(slaTracking.status, 'ACTIVE')),
        )
        .where(
          and(
            eq(escalations.status, q.status),
            q.workflowType ? eq(workflows.workflowType, q.workflowType) : undefined,
            q.assignedTo === 'unassigned'
              ? isNull(escalations.assignedTo)
              : q.assignedTo
                ? eq(escalations.assignedTo, q.assignedTo === 'me' ? claims.sub : q.assignedTo)
                : undefined,
          ),
        )
        .orderBy(asc(urgency), asc(slaTracking.dueAt), asc(escalations.createdAt))
        .limit(q.limit),
    );
    res.json({ items });
  });

  router.post('/api/escalations/:id/resolve', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(escalationParams, req.params, 'params');
    const body = parseRequest(resolveBody, req.body, 'body');
    const [escalation] = await asInternal(deps, claims, (db) =>
      db.select().from(escalations).where(eq(escalations.id, id)),
    );
    if (!escalation) throw new AppError('NOT_FOUND', `No escalation ${id}`);
    const answer = await resolveEscalation(
      deps.temporal,
      await temporalIdOf(deps, escalation.workflowId),
      { ...body, escalationId: id, userId: claims.sub },
      { updateTimeoutMs: deps.updateTimeoutMs },
    );
    if (answer.result === 'closed')
      throw await closedWorkflowError(deps, escalation.workflowId, answer);
    res.json(answer);
  });

  router.post('/api/escalations/:id/assign', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(escalationParams, req.params, 'params');
    // No body at all means: the caller takes it.
    const body = parseRequest(assignBody, req.body ?? {}, 'body');
    const assigneeId = body.assigneeId ?? claims.sub;
    const [escalation, assignee, caller] = await asInternal(deps, claims, async (db) => [
      (await db.select().from(escalations).where(eq(escalations.id, id)))[0],
      (await db.select().from(userProfiles).where(eq(userProfiles.id, assigneeId)))[0],
      (await db.select().from(userProfiles).where(eq(userProfiles.id, claims.sub)))[0],
    ]);
    if (!escalation) throw new AppError('NOT_FOUND', `No escalation ${id}`);
    if (assignee?.userType !== 'HIL') {
      throw new AppError(
        'UNPROCESSABLE',
        `body.assigneeId: ${assigneeId} is not HIL staff (escalations go to internal users)`,
      );
    }
    const answer = await assignEscalation(
      deps.temporal,
      await temporalIdOf(deps, escalation.workflowId),
      {
        escalationId: id,
        assigneeId,
        assignedBy: claims.sub,
        override: caller?.role === 'MANAGER' || caller?.role === 'ADMIN',
        note: body.note,
      },
      { updateTimeoutMs: deps.updateTimeoutMs },
    );
    if (answer.result === 'closed')
      throw await closedWorkflowError(deps, escalation.workflowId, answer);
    res.json(answer);
  });

  router.get('/api/sla-board', async (_req, res) => {
    const claims = requireUser(res);
    const rows = await asCaller(deps.pool, claims, (db) =>
      db
        .select({
          level: slaTracking.alertLevel,
          dueAt: slaTracking.dueAt,
          workflowId: slaTracking.workflowId,
          workflowType: workflows.workflowType,
          taskExecutionId: slaTracking.taskExecutionId,
          taskType: taskExecutions.taskType,
        })
        .from(slaTracking)
        .innerJoin(workflows, eq(workflows.id, slaTracking.workflowId))
        .innerJoin(taskExecutions, eq(taskExecutions.id, slaTracking.taskExecutionId))
        .where(eq(slaTracking.status, 'ACTIVE'))
        .orderBy(asc(urgency), asc(slaTracking.dueAt)),
    );
    const board: Record<string, typeof rows> = {
      BREACHED: [],
      RED: [],
      ORANGE: [],
      YELLOW: [],
      GREEN: [],
    };
    for (const row of rows) board[row.level]!.push(row);
    res.json(board);
  });

  return router;
}
