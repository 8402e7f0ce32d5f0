// The bare Temporal baseline: workflow code only (bundled on its own, deterministic, no Node
// built-ins, no I/O). Per step it schedules one activity that POSTs the dispatch to the same
// n8n stand-in as the project, then waits for the `taskOutcome` Update and goes on. No
// database, no SLA ladder, no validation: what is left is the Temporal hop itself.
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { DispatchRequest } from '../../activities/n8n.js';

export interface BareActivities {
  dispatchTask(request: DispatchRequest): Promise<{ status: number }>;
}

/** The same profile as the project's dispatch (5xx retried, 4xx not). */
const { dispatchTask } = proxyActivities<BareActivities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['DispatchRejectedError'],
  },
});

interface BareOutcome {
  taskExecutionId: string;
  attempt: number;
  status: string;
}
interface BareAnswer {
  result: 'applied';
  taskExecutionId: string;
  message: string;
}
interface BareDocument {
  documentId: string;
  kind: string;
}

// The same message names as the business workflow, so the stand-in talks to both alike
// (deliverTaskOutcome falls back to the Signal when an Update is not taken within 5 s).
export const bareTaskOutcomeUpdate = defineUpdate<BareAnswer, [BareOutcome]>('taskOutcome');
export const bareTaskOutcomeSignal = defineSignal<[BareOutcome]>('taskOutcomeSignal');
export const bareDocumentUpdate = defineUpdate<
  { result: 'applied'; documentId: string; message: string },
  [BareDocument]
>('documentReceived');
export const bareDocumentSignal = defineSignal<[BareDocument]>('documentReceivedSignal');

export interface BareInput {
  /** The steps' task types (the bench passes PAYOFF's six). */
  taskTypes: string[];
}

/** N steps, each one dispatch activity and one outcome Update; returns the steps done. */
export async function bareStepsWorkflow(input: BareInput): Promise<number> {
  const outcomes = new Set<string>();
  const documents = new Set<string>();
  setHandler(bareTaskOutcomeUpdate, (o) => {
    outcomes.add(o.taskExecutionId);
    return { result: 'applied', taskExecutionId: o.taskExecutionId, message: 'ok' };
  });
  setHandler(bareTaskOutcomeSignal, (o) => void outcomes.add(o.taskExecutionId));
  setHandler(bareDocumentUpdate, (d) => {
    documents.add(d.documentId);
    return { result: 'applied', documentId: d.documentId, message: 'ok' };
  });
  setHandler(bareDocumentSignal, (d) => void documents.add(d.documentId));

  const { workflowId } = workflowInfo();
  const sent: Promise<unknown>[] = [];
  let failure: Error | undefined;
  for (const taskType of input.taskTypes) {
    const taskExecutionId = uuid4();
    // Like the project: an outcome may arrive before n8n's answer to the dispatch.
    sent.push(
      dispatchTask({
        taskExecutionId,
        workflowId,
        temporalWorkflowId: workflowId,
        taskType,
        agent: 'bare',
        attempt: 1,
        input: {},
        idempotencyKey: taskExecutionId,
      }).catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }),
    );
    await condition(() => outcomes.has(taskExecutionId) || failure !== undefined);
    if (failure !== undefined) throw failure;
  }
  await Promise.all(sent);
  return input.taskTypes.length;
}
