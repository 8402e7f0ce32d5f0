import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { activityLog } from './logging.js';

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

/** The channel connector refused the message for good (a 4xx): no retry sends it. */
export class CommunicationRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommunicationRejectedError';
  }
}

/** One outbound message (a follow-up to the HOA or the lender) for n8n's channel connectors. */
export interface CommunicationRequest {
  communicationId: string;
  workflowId: string;
  taskExecutionId: string;
  channel: string;
  /** Where it goes (the counterparty contact found by an earlier step). */
  to?: string;
  subject: string;
  body: string;
  /** The communication ID: n8n and the connector send it once however often it is asked. */
  idempotencyKey: string;
}

export interface N8nDeps {
  /** The n8n task-dispatch webhook. */
  webhookUrl: string;
  /** The n8n outbound-communication webhook; beside the dispatch webhook when not given. */
  communicationUrl?: string;
  /** Where n8n reports the outcome (the API's task-outcome endpoint). */
  callbackUrl: string;
  /** Per-request time limit. */
  timeoutMs?: number;
}

/** The running activity's cancellation, or a signal that never fires outside an activity. */
function cancelled(): AbortSignal {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return new AbortController().signal;
  }
}

/**
 * POSTs to an n8n webhook and returns its answer when it is a 2xx. A 4xx but 404 is a
 * refusal for good: it throws `Rejected`, a name the activity's retry policy lists as
 * non-retryable. n8n answers 404 while a
 * webhook is not registered yet (starting, re-activating): that passes, so it throws a plain
 * error like a 5xx or a network error, and the activity retry policy tries again.
 */
async function postToN8n<T extends { idempotencyKey: string }>(
  url: string,
  payload: T,
  what: string,
  Rejected: new (message: string) => Error,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  let res: Response;
  const cancel = cancelled();
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': payload.idempotencyKey },
      body: JSON.stringify(payload),
      // Its own deadline, or the activity cancelled (the worker shutting down past its grace
      // time): the attempt fails and is retried, on another worker, with the same key.
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]),
    });
  } catch (err) {
    if (cancel.aborted) {
      throw new Error(`gave up calling n8n for ${what}: ${String(cancel.reason)}`);
    }
    throw new Error(`n8n unreachable at ${url} for ${what}: ${String(err)}`);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 400 && res.status < 500 && res.status !== 404) {
    throw new Rejected(`n8n refused ${what} with ${res.status}: ${text.slice(0, 500)}`);
  }
  if (!res.ok) throw new Error(`n8n answered ${res.status} for ${what}: ${text.slice(0, 500)}`);
  return { status: res.status, text };
}

export function createN8nActivities(deps: N8nDeps) {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const communicationUrl = deps.communicationUrl ?? communicationUrlBeside(deps.webhookUrl);
  return {
    /** Hands one task execution to n8n, which acknowledges it (2xx) and reports back later. */
    async dispatchTask(request: DispatchRequest): Promise<{ status: number }> {
      const { status } = await postToN8n(
        deps.webhookUrl,
        { ...request, callbackUrl: deps.callbackUrl },
        `task ${request.taskExecutionId}`,
        DispatchRejectedError,
        timeoutMs,
      );
      return { status };
    },

    /**
     * Sends one outbound message through n8n, which answers once its channel connector has
     * taken it (the provider's message ID) or refused it (422: for good) or failed (502).
     */
    async sendCommunication(request: CommunicationRequest): Promise<{ providerMessageId: string }> {
      const what = `communication ${request.communicationId}`;
      const { text } = await postToN8n(
        communicationUrl,
        request,
        what,
        CommunicationRejectedError,
        timeoutMs,
      );
      const parsed = sentSchema.safeParse(safeJson(text));
      if (!parsed.success) {
        throw new Error(
          `n8n's answer for ${what} names no providerMessageId: ${text.slice(0, 500)}`,
        );
      }
      activityLog()?.info('communication sent through n8n', {
        communicationId: request.communicationId,
        taskExecutionId: request.taskExecutionId,
        channel: request.channel,
        providerMessageId: parsed.data.providerMessageId,
      });
      return { providerMessageId: parsed.data.providerMessageId };
    },
  };
}

const sentSchema = z.object({ providerMessageId: z.string().min(1).max(500) });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `.../webhook/rexera-task` -> `.../webhook/rexera-communication`. */
export function communicationUrlBeside(webhookUrl: string): string {
  return new URL('rexera-communication', webhookUrl.replace(/\/+$/, '')).toString();
}
