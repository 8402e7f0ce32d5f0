import type { Closed } from '../clients/business-workflows.js';
import type { ApiDeps } from './context.js';
import { AppError } from './errors.js';
import { TERMINAL_WORKFLOW_STATUSES } from '../../workflows/vocabulary.js';

/**
 * The HTTP answer when a message found no running workflow, told apart exactly:
 * - Temporal says the workflow has ended: 409 `closed`;
 * - Temporal knows no such workflow, and there is no `workflows` row: 404 unknown workflow;
 * - no such Temporal workflow, but a row that has ended (its history has expired): 409 `closed`;
 * - no such Temporal workflow, but a row that has not ended (it never started): 404.
 * The row is read as the API's own login (the caller may be n8n, which has no user).
 */
export async function closedWorkflowError(
  deps: ApiDeps,
  workflowRowId: string,
  answer: Closed,
): Promise<AppError> {
  const closed = (status?: string) =>
    new AppError('CONFLICT', `Workflow ${workflowRowId} has ended; nothing was changed.`, {
      result: 'closed',
      ...(status ? { status } : {}),
    });
  if (answer.workflow === 'ended') return closed();
  const { rows } = await deps.pool.query<{ status: string }>(
    'SELECT status FROM workflows WHERE id = $1',
    [workflowRowId],
  );
  const status = rows[0]?.status;
  if (status === undefined) {
    return new AppError('NOT_FOUND', `Unknown workflow ${workflowRowId}; nothing was changed.`, {
      result: 'unknown_workflow',
    });
  }
  if ((TERMINAL_WORKFLOW_STATUSES as readonly string[]).includes(status)) return closed(status);
  return new AppError(
    'NOT_FOUND',
    `Workflow ${workflowRowId} (${status}) has no running Temporal workflow: it never started; nothing was changed.`,
    { result: 'not_started', status },
  );
}
