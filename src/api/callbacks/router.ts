import { Router } from 'express';
import { z } from 'zod';
import { documentReceivedSchema, taskOutcomeSchema } from '../../../workflows/business/messages.js';
import { businessWorkflowId } from '../../../workflows/business/workflow.js';
import { deliverDocument, deliverTaskOutcome } from '../../workflows/service.js';
import { signedByN8n, type ApiDeps } from '../context.js';
import { closedWorkflowError } from '../delivery.js';
import { AppError, parseRequest } from '../errors.js';

// What n8n reports: task outcomes and inbound documents. Signed with HMAC; delivered to
// the workflow, which alone changes task state.

export const taskOutcomeCallbackSchema = z.strictObject({
  /** workflows.id of the business workflow (as in the dispatch). */
  workflowId: z.uuid(),
  outcome: taskOutcomeSchema,
});

const workflowParams = z.strictObject({ id: z.uuid() });

/** HTTP status of each delivery result. */
const STATUS = { applied: 200, duplicate: 200, queued: 202 } as const;

export function callbacksRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/api/task-outcomes', signedByN8n(deps), async (req, res) => {
    const body = parseRequest(taskOutcomeCallbackSchema, req.body, 'body');
    const answer = await deliverTaskOutcome(
      deps.temporal,
      businessWorkflowId(body.workflowId),
      body.outcome,
      {
        updateTimeoutMs: deps.updateTimeoutMs,
      },
    );
    if (answer.result === 'closed') throw await closedWorkflowError(deps, body.workflowId, answer);
    if (answer.result === 'stale') {
      throw new AppError('CONFLICT', answer.message, { result: answer.result });
    }
    res.status(STATUS[answer.result]).json(answer);
  });

  router.post('/api/workflows/:id/documents', signedByN8n(deps), async (req, res) => {
    const { id } = parseRequest(workflowParams, req.params, 'params');
    const document = parseRequest(documentReceivedSchema, req.body, 'body');
    const answer = await deliverDocument(deps.temporal, businessWorkflowId(id), document, {
      updateTimeoutMs: deps.updateTimeoutMs,
    });
    if (answer.result === 'closed') throw await closedWorkflowError(deps, id, answer);
    res.status(STATUS[answer.result]).json(answer);
  });

  return router;
}
