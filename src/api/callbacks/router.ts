import { Router } from 'express';
import { documentReceivedSchema } from '../../../workflows/business/messages.js';
import { isIdOfRow } from '../../../workflows/business/identity.js';
import { deliverDocument, deliverTaskOutcome } from '../../clients/business-workflows.js';
import { signedByN8n, type ApiDeps } from '../context.js';
import { temporalIdOf } from '../routing.js';
import { closedWorkflowError } from '../delivery.js';
import { AppError, parseRequest } from '../errors.js';
import { taskOutcomeCallbackSchema, workflowParams } from './schemas.js';

// What n8n reports: task outcomes and inbound documents. Signed with HMAC; delivered to
// the workflow, which alone changes task state.

/** HTTP status of each delivery result. */
const STATUS = { applied: 200, duplicate: 200, queued: 202 } as const;

export function callbacksRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/api/task-outcomes', signedByN8n(deps), async (req, res) => {
    const body = parseRequest(taskOutcomeCallbackSchema, req.body, 'body');
    // n8n echoes the dispatch's Temporal workflow ID (no lookup on the hop); an older
    // execution without it is routed by the row.
    if (
      body.temporalWorkflowId !== undefined &&
      !isIdOfRow(body.temporalWorkflowId, body.workflowId)
    ) {
      throw new AppError(
        'VALIDATION_FAILED',
        `body.temporalWorkflowId: ${body.temporalWorkflowId} is not the workflow of body.workflowId`,
      );
    }
    const answer = await deliverTaskOutcome(
      deps.temporal,
      body.temporalWorkflowId ?? (await temporalIdOf(deps, body.workflowId)),
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
    const answer = await deliverDocument(deps.temporal, await temporalIdOf(deps, id), document, {
      updateTimeoutMs: deps.updateTimeoutMs,
    });
    if (answer.result === 'closed') throw await closedWorkflowError(deps, id, answer);
    res.status(STATUS[answer.result]).json(answer);
  });

  return router;
}
