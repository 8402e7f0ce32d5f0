import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** The business IDs an activity's input may carry, under the names the log lines use. */
const BUSINESS_IDS = {
  taskExecutionId: 'taskExecutionId',
  // Our row's ID; `workflowId` on a log line is the Temporal workflow's (payoff-<row id>).
  workflowId: 'workflowRowId',
  escalationId: 'escalationId',
  communicationId: 'communicationId',
  taskType: 'taskType',
} as const;

/** The business IDs of an activity's first argument (a write, a dispatch), if any. */
export function businessIds(input: unknown): Record<string, string> {
  if (!input || typeof input !== 'object') return {};
  const ids: Record<string, string> = {};
  for (const [from, to] of Object.entries(BUSINESS_IDS)) {
    const value = (input as Record<string, unknown>)[from];
    if (typeof value === 'string') ids[to] = value;
  }
  // writeAll and a dispatch carrying writes: the first write names the task.
  const writes = (input as { writes?: unknown }).writes;
  if (!ids.taskExecutionId && Array.isArray(writes) && writes.length > 0) {
    return { ...businessIds((writes[0] as { input?: unknown }).input), ...ids };
  }
  return ids;
}

/**
 * Puts the business IDs of the activity's input (task execution, workflow row, escalation)
 * on every line the SDK logs for it (`Activity failed`, ...) and on ours (`activityLog`),
 * beside the SDK's own workflowId, runId, activityType and attempt.
 */
export const businessLogAttributes: ActivityInterceptorsFactory = () => {
  let ids: Record<string, string> = {};
  return {
    inbound: {
      execute(input, next) {
        const [first] = input.args;
        ids = Array.isArray(first) ? businessIds({ writes: first }) : businessIds(first);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next({ ...ids, ...attributes }),
    },
  };
};

/** The running activity's logger (the worker's, with the activity's IDs); none in a test's direct call. */
export function activityLog(): Context['log'] | undefined {
  try {
    return Context.current().log;
  } catch {
    return undefined;
  }
}
