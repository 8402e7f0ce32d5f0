import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import {
  escalations,
  slaPauses,
  slaTracking,
  taskExecutions,
  userProfiles,
  workflows,
} from '../../../db/schema/index.js';
import { asCaller, type JwtClaims } from '../../../db/session.js';
import {
  assignEscalation,
  holdEscalation,
  resolveEscalation,
} from '../../clients/business-workflows.js';
import { exampleOutput, TASK_TYPES_WITH_OUTPUTS } from '../../../workflows/definitions/outputs.js';
import { listCalendars } from '../../clients/calendars.js';
import { clockView } from '../../clients/sla-view.js';
import { asInternal, asManager } from '../auth/internal.js';
import type { ApiDeps } from '../context.js';

/** A signed-in caller (requireUser). */
type User = JwtClaims & { sub: string };
import { closedWorkflowError } from '../delivery.js';
import { AppError } from '../errors.js';
import { temporalIdOf } from '../routing.js';
import type { assignBody, escalationListQuery, holdBody, resolveBody } from './schemas.js';

// HIL staff: the open escalations, most urgent first, their assignment and resolution (the
// workflow decides; these hand the request on), and the SLA board.

/** Rank of an SLA level for sorting: the worse, the sooner. */
const urgency = sql<number>`CASE ${slaTracking.alertLevel}
  WHEN 'BREACHED' THEN 0 WHEN 'RED' THEN 1 WHEN 'ORANGE' THEN 2 WHEN 'YELLOW' THEN 3 ELSE 4 END`;

/** The escalations the query asks for, most urgent first (HIL staff and managers only). */
export function listEscalations(
  deps: ApiDeps,
  claims: User,
  q: z.infer<typeof escalationListQuery>,
) {
  return asInternal(deps, claims, (db) =>
    db
      .select({
        escalation: escalations,
        workflowType: workflows.workflowType,
        taskType: taskExecutions.taskType,
        slaLevel: sql<string>`coalesce(${slaTracking.alertLevel}, 'GREEN')`,
        slaDueAt: slaTracking.dueAt,
        slaPaused: slaPauses.reason,
        workflowTitle: workflows.title,
        assigneeName: sql<string | null>`coalesce(${userProfiles.fullName}, ${userProfiles.email})`,
      })
      .from(escalations)
      .innerJoin(workflows, eq(workflows.id, escalations.workflowId))
      .leftJoin(userProfiles, eq(userProfiles.id, escalations.assignedTo))
      .innerJoin(taskExecutions, eq(taskExecutions.id, escalations.taskExecutionId))
      .leftJoin(
        slaTracking,
        and(eq(slaTracking.workflowId, escalations.workflowId), eq(slaTracking.status, 'ACTIVE')),
      )
      .leftJoin(slaPauses, and(eq(slaPauses.slaId, slaTracking.id), isNull(slaPauses.resumedAt)))
      .where(
        and(
          eq(escalations.status, q.status),
          q.workflowType ? eq(workflows.workflowType, q.workflowType) : undefined,
          q.trigger ? eq(escalations.trigger, q.trigger) : undefined,
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
}

/** Hands the caller's decision to the workflow that owns the escalation. */
export async function resolve(
  deps: ApiDeps,
  claims: User,
  id: string,
  body: z.infer<typeof resolveBody>,
) {
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
  return answer;
}

/** Assigns the escalation (to the caller when no one is named); managers may take it over. */
export async function assign(
  deps: ApiDeps,
  claims: User,
  id: string,
  body: z.infer<typeof assignBody>,
) {
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
  return answer;
}

/**
 * A manager puts the escalation on hold for a third party, or lifts the hold: the workflow
 * stops or restarts the step's SLA clock (if its definition lets it).
 */
export async function hold(
  deps: ApiDeps,
  claims: User,
  id: string,
  body: z.infer<typeof holdBody>,
) {
  const [escalation] = await asManager(deps, claims, (db) =>
    db.select().from(escalations).where(eq(escalations.id, id)),
  );
  if (!escalation) throw new AppError('NOT_FOUND', `No escalation ${id}`);
  const answer = await holdEscalation(
    deps.temporal,
    await temporalIdOf(deps, escalation.workflowId),
    { escalationId: id, userId: claims.sub, onHold: body.onHold, note: body.note },
    { updateTimeoutMs: deps.updateTimeoutMs },
  );
  if (answer.result === 'closed')
    throw await closedWorkflowError(deps, escalation.workflowId, answer);
  return answer;
}

/** What each task type produces, by example: the console's "complete by hand" form. */
export function taskOutputs(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(TASK_TYPES_WITH_OUTPUTS.map((t) => [t, exampleOutput(t)]));
}

/** The people escalations can go to (HIL staff and managers), for handing one on. */
export function hilStaff(deps: ApiDeps, claims: User) {
  return asInternal(deps, claims, (db) =>
    db
      .select({
        id: userProfiles.id,
        name: sql<string>`coalesce(${userProfiles.fullName}, ${userProfiles.email})`,
        role: userProfiles.role,
      })
      .from(userProfiles)
      .where(eq(userProfiles.userType, 'HIL'))
      .orderBy(asc(userProfiles.email)),
  );
}

/** The running SLA clocks the caller may see, by level, most urgent first. */
export async function slaBoard(deps: ApiDeps, claims: User) {
  const now = Date.now();
  const { rows, calendarsById } = await asCaller(deps.pool, claims, async (db) => {
    const rows = await db
      .select({
        level: slaTracking.alertLevel,
        startedAt: slaTracking.startedAt,
        dueAt: slaTracking.dueAt,
        workflowId: slaTracking.workflowId,
        workflowType: workflows.workflowType,
        taskExecutionId: slaTracking.taskExecutionId,
        taskType: taskExecutions.taskType,
        slaSeconds: slaTracking.slaSeconds,
        counts: slaTracking.counts,
        calendarId: slaTracking.calendarId,
        countedMs: slaTracking.countedMs,
        countingSince: slaTracking.countingSince,
        pausedAt: slaTracking.pausedAt,
        pauseReason: slaPauses.reason,
        pauseNote: slaPauses.note,
      })
      .from(slaTracking)
      .innerJoin(workflows, eq(workflows.id, slaTracking.workflowId))
      .innerJoin(taskExecutions, eq(taskExecutions.id, slaTracking.taskExecutionId))
      .leftJoin(slaPauses, and(eq(slaPauses.slaId, slaTracking.id), isNull(slaPauses.resumedAt)))
      .where(eq(slaTracking.status, 'ACTIVE'))
      .orderBy(asc(urgency), asc(slaTracking.dueAt));
    const ids = [...new Set(rows.map((r) => r.calendarId).filter((id) => id !== null))];
    const calendarsById = new Map(
      (await listCalendars(db)).filter((c) => ids.includes(c.id)).map((c) => [c.id, c]),
    );
    return { rows, calendarsById };
  });
  const board: Record<string, unknown[]> = {
    BREACHED: [],
    RED: [],
    ORANGE: [],
    YELLOW: [],
    GREEN: [],
  };
  for (const r of rows) {
    const calendar = r.calendarId ? calendarsById.get(r.calendarId) : undefined;
    const clock = clockView(
      { ...r, alertLevel: r.level },
      calendar && { ...calendar, holidays: calendar.holidays.map((h) => h.date) },
      r.pauseReason ? { reason: r.pauseReason, note: r.pauseNote } : undefined,
      now,
    );
    board[r.level]!.push({
      level: r.level,
      startedAt: r.startedAt,
      dueAt: r.dueAt,
      workflowId: r.workflowId,
      workflowType: r.workflowType,
      taskExecutionId: r.taskExecutionId,
      taskType: r.taskType,
      calendarName: calendar?.name ?? null,
      ...clock,
    });
  }
  return board;
}
