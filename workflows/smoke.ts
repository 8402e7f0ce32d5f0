import { sleep, workflowInfo } from '@temporalio/workflow';
import { RexeraStatus, RexeraWorkflowType } from './search-attributes.js';
import { updateVisibility } from './visibility.js';

export interface SmokeInput {
  /** How long to hold before finishing (a durable timer), e.g. '24 hours'; none by default. */
  holdFor?: string;
}

/**
 * Proves the stack end to end: a worker picks it up, a durable timer fires, and the search
 * attributes it sets reach the visibility store that the Temporal UI reads.
 */
export async function smokeWorkflow(input: SmokeInput = {}): Promise<string> {
  updateVisibility([{ key: RexeraStatus, value: 'IN_PROGRESS' }]);
  if (input.holdFor) await sleep(input.holdFor);
  updateVisibility([{ key: RexeraStatus, value: 'COMPLETED' }]);
  const type = workflowInfo().typedSearchAttributes.get(RexeraWorkflowType) ?? 'none';
  return `smoke ok (${type})`;
}
