import { ApplicationFailure } from '@temporalio/activity';

/** n8n (or whatever sits at the webhook) refused the dispatch for good: a 4xx. */
export class DispatchRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DispatchRejectedError';
  }
}

export interface DispatchRequest {
  taskExecutionId: string;
  workflowId: string;
  temporalWorkflowId: string;
  taskType: string;
  agent: string;
  channel?: string;
  attempt: number;
  input: Record<string, unknown>;
  /** Same for every retry of this dispatch: n8n uses it to call the agent once. */
  idempotencyKey: string;
}

export interface N8nDeps {
  /** The n8n task-dispatch webhook. */
  webhookUrl: string;
  /** Where n8n reports the outcome (the API's task-outcome endpoint). */
  callbackUrl: string;
  /** Per-request time limit. */
  timeoutMs?: number;
}

export function createN8nActivities(deps: N8nDeps) {
  return {
    /**
     * Hands one task execution to n8n. 2xx: accepted. 4xx but 404: rejected for good
     * (non-retryable). 5xx, 404 and network errors throw, and the activity retry policy tries
     * again.
     */
    async dispatchTask(request: DispatchRequest): Promise<{ status: number }> {
      let res: Response;
      try {
        res = await fetch(deps.webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': request.idempotencyKey,
          },
          body: JSON.stringify({ ...request, callbackUrl: deps.callbackUrl }),
          signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new Error(
          `n8n unreachable at ${deps.webhookUrl} for task ${request.taskExecutionId}: ${String(err)}`,
        );
      }
      const body = await res.text().catch(() => '');
      // n8n answers 404 while a webhook is not registered yet (starting, re-activating): that
      // passes, so it is retried like a 5xx. Any other 4xx is a rejection for good.
      if (res.status >= 400 && res.status < 500 && res.status !== 404) {
        throw ApplicationFailure.create({
          type: 'DispatchRejectedError',
          nonRetryable: true,
          message: `n8n rejected task ${request.taskExecutionId} with ${res.status}: ${body.slice(0, 500)}`,
        });
      }
      if (!res.ok) {
        throw new Error(
          `n8n answered ${res.status} for task ${request.taskExecutionId}: ${body.slice(0, 500)}`,
        );
      }
      return { status: res.status };
    },
  };
}

export type N8nActivities = ReturnType<typeof createN8nActivities>;
