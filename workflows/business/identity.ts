import type { WorkflowType } from '../definitions/types.js';

// What a business workflow is called in Temporal: its workflow type and its workflow ID, both
// naming the business type, so that the Temporal UI's list tells a payoff from a lien search
// without a column set up by hand. Deterministic, no I/O: the API and the workflow share it.

/** The Temporal workflow type each business type starts under (see ./by-type.ts). */
export const TEMPORAL_WORKFLOW_TYPES = {
  PAYOFF: 'PayoffWorkflow',
  HOA_ACQUISITION: 'HoaAcquisitionWorkflow',
  MUNICIPAL_LIEN_SEARCH: 'MunicipalLienSearchWorkflow',
} as const satisfies Record<WorkflowType, string>;

/**
 * The one type every business workflow started under before: still registered, so that the
 * workflows running under it and every committed history replay.
 */
export const LEGACY_WORKFLOW_TYPE = 'businessWorkflow';

const ID_PREFIXES = {
  PAYOFF: 'payoff',
  HOA_ACQUISITION: 'hoa-acquisition',
  MUNICIPAL_LIEN_SEARCH: 'municipal-lien-search',
} as const satisfies Record<WorkflowType, string>;

const LEGACY_ID_PREFIX = 'workflow';

/**
 * Temporal workflow ID of a business workflow row: `payoff-<row id>` and so on. One row,
 * one workflow, ever: the row keeps the ID it was started with (workflows.temporal_workflow_id),
 * which is what routes messages to it; this is only how a new row's ID is made.
 */
export function businessWorkflowId(workflowType: WorkflowType, workflowRowId: string): string {
  return `${ID_PREFIXES[workflowType]}-${workflowRowId}`;
}

/** The ID rows were started under before the business type was in it. */
export function legacyBusinessWorkflowId(workflowRowId: string): string {
  return `${LEGACY_ID_PREFIX}-${workflowRowId}`;
}

/** Whether `temporalWorkflowId` is one of the IDs the row could have been started under. */
export function isIdOfRow(temporalWorkflowId: string, workflowRowId: string): boolean {
  return [...Object.values(ID_PREFIXES), LEGACY_ID_PREFIX].some(
    (prefix) => temporalWorkflowId === `${prefix}-${workflowRowId}`,
  );
}

/** The Temporal workflow type a row's workflow runs under, from the ID it was given. */
export function temporalWorkflowTypeOf(
  temporalWorkflowId: string,
  workflowType: WorkflowType,
): string {
  return temporalWorkflowId.startsWith(`${LEGACY_ID_PREFIX}-`)
    ? LEGACY_WORKFLOW_TYPE
    : TEMPORAL_WORKFLOW_TYPES[workflowType];
}
