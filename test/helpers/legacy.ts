import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.js';
import { escalations, slaTracking, taskExecutions, workflows } from '../../db/schema/index.js';
import { getDefinition, slaFor, type WorkflowType } from '../../workflows/definitions/index.js';
import { exampleOutput } from '../../workflows/definitions/outputs.js';

// Rows written the old way (the poller's design): the workflow row with no Temporal workflow,
// one task row per attempt it made, SLA clocks it opened (with the levels its poll recorded),
// an escalation it opened. What the adopt CLI takes over.

export const LEGACY_STATES = [
  /** Nothing started yet. */
  'fresh',
  /** Its first task dispatched 10 minutes ago, no answer yet. */
  'running-first',
  /** First step done; the second dispatched at 85% of its SLA; YELLOW and ORANGE recorded. */
  'running-at-85',
  /** The same, but the poll had recorded no level. */
  'running-at-85-unrecorded',
  /** Two steps done; the third waits for the counterparty (lien search: pre-created, pending). */
  'waiting',
  /** First step done; the second failed three times, no escalation yet. */
  'failed',
  /** First step done; the second asked for a human: an escalation is open. */
  'escalated',
] as const;
export type LegacyState = (typeof LEGACY_STATES)[number];

/** Marks the outputs the old design recorded, to find them in later dispatches. */
export const LEGACY_MARK = 'recorded-by-the-poller';

const HOUR = 3_600_000;

/** One row in `state`, at workflow time `now`; returns its ID and its tasks by step. */
export async function insertLegacyRow(
  db: Database,
  opts: {
    type: WorkflowType;
    state: LegacyState;
    clientId: string;
    now: number;
    /** The definition the old rows follow (the adopt CLI checks them against the latest). */
    version?: number;
    /** `running-at-85`: how far into its SLA the running task is (default 0.85). */
    slaFraction?: number;
  },
) {
  const { type, state, now } = opts;
  const def = getDefinition(type, opts.version ?? 3);
  const id = randomUUID();
  const startedAt = now - 2 * HOUR;
  await db.insert(workflows).values({
    id,
    workflowType: type,
    clientId: opts.clientId,
    title: `${type} ${state} (old design)`,
    status: state === 'fresh' ? 'PENDING' : state === 'escalated' ? 'BLOCKED' : 'IN_PROGRESS',
    priority: 'NORMAL',
    metadata: { propertyAddress: '7 Legacy Ln', loanNumber: 'LN-OLD' },
    startedAt: state === 'fresh' ? null : new Date(startedAt),
    dueAt: state === 'fresh' ? null : new Date(startedAt + 72 * HOUR),
  });
  const tasks: Record<number, string[]> = {};
  const task = async (
    index: number,
    attempt: number,
    status: 'PENDING' | 'RUNNING' | 'WAITING' | 'COMPLETED' | 'FAILED',
    at: number | null,
    extra: Partial<typeof taskExecutions.$inferInsert> = {},
  ) => {
    const step = def.steps[index]!;
    const taskId = randomUUID();
    await db.insert(taskExecutions).values({
      id: taskId,
      workflowId: id,
      stepIndex: index,
      attempt,
      taskType: step.taskType,
      title: step.title,
      executorType: step.agent ? 'AI_AGENT' : 'SYSTEM',
      agentName: step.agent?.defaultAgent,
      status,
      startedAt: at === null ? null : new Date(at),
      completedAt: status === 'COMPLETED' || status === 'FAILED' ? new Date(at! + 60_000) : null,
      outputData:
        status === 'COMPLETED' ? { ...exampleOutput(step.taskType), mark: LEGACY_MARK } : null,
      ...extra,
    });
    (tasks[index] ??= []).push(taskId);
    return taskId;
  };
  const clock = async (
    taskId: string,
    index: number,
    start: number,
    levels: { yellowAt?: Date; orangeAt?: Date } = {},
  ) => {
    const span = slaFor(def.steps[index]!, 'NORMAL');
    const slaId = randomUUID();
    await db.insert(slaTracking).values({
      id: slaId,
      taskExecutionId: taskId,
      workflowId: id,
      slaSeconds: Math.round(span / 1000),
      startedAt: new Date(start),
      dueAt: new Date(start + span),
      ...levels,
      alertLevel: levels.orangeAt ? 'ORANGE' : levels.yellowAt ? 'YELLOW' : 'GREEN',
    });
    return { slaId, start, span };
  };
  const done = async (index: number) => {
    const t = await task(index, 1, 'COMPLETED', startedAt + index * 60_000);
    return t;
  };

  switch (state) {
    case 'fresh':
      return { id, tasks };
    case 'running-first': {
      const t = await task(0, 1, 'RUNNING', now - 10 * 60_000);
      return { id, tasks, clock: await clock(t, 0, now - 10 * 60_000) };
    }
    case 'running-at-85':
    case 'running-at-85-unrecorded': {
      await done(0);
      const span = slaFor(def.steps[1]!, 'NORMAL');
      const start = now - Math.round((opts.slaFraction ?? 0.85) * span);
      const t = await task(1, 1, 'RUNNING', start);
      const levels =
        state === 'running-at-85'
          ? {
              yellowAt: new Date(start + Math.round(0.6 * span)),
              orangeAt: new Date(start + Math.round(0.8 * span)),
            }
          : {};
      return { id, tasks, clock: await clock(t, 1, start, levels) };
    }
    case 'waiting': {
      await done(0);
      await done(1);
      const waits = def.steps[2]!.awaits !== undefined;
      const t = await task(2, 1, waits ? 'WAITING' : 'PENDING', waits ? now - HOUR : null, {
        inputData: waits ? { waitingFor: def.steps[2]!.awaits!.kind } : {},
      });
      return { id, tasks, clock: waits ? await clock(t, 2, now - HOUR) : undefined };
    }
    case 'failed': {
      await done(0);
      let last = '';
      for (const n of [1, 2, 3]) {
        last = await task(1, n, 'FAILED', now - (4 - n) * 20 * 60_000, {
          errorMessage: `Portal timed out (attempt ${n})`,
          errorRetryable: true,
        });
      }
      return { id, tasks, clock: await clock(tasks[1]![0]!, 1, now - 60 * 60_000), last };
    }
    case 'escalated': {
      await done(0);
      const t = await task(1, 1, 'FAILED', now - 30 * 60_000, {
        errorMessage: 'The agent asked for a human',
        errorRetryable: false,
      });
      const escalationId = randomUUID();
      await db.insert(escalations).values({
        id: escalationId,
        workflowId: id,
        taskExecutionId: t,
        trigger: 'AGENT_NEEDS_HUMAN',
        reason: 'Two lenders on the title',
      });
      return { id, tasks, clock: await clock(t, 1, now - 30 * 60_000), escalationId };
    }
  }
}
