import { ApplicationFailure } from '@temporalio/workflow';
import type { WorkflowType } from '../definitions/types.js';
import { TEMPORAL_WORKFLOW_TYPES } from './identity.js';
import {
  businessWorkflow,
  type BusinessWorkflowInput,
  type BusinessWorkflowResult,
} from './workflow.js';

// One Temporal workflow type per business type, so that the Temporal UI's list names what
// each row is (PayoffWorkflow, ...). Each is the same business workflow: the definition
// comes from input.workflowType, which must agree with the type it was started under.

async function asType(
  type: WorkflowType,
  input: BusinessWorkflowInput,
): Promise<BusinessWorkflowResult> {
  if (input.workflowType !== type) {
    throw ApplicationFailure.nonRetryable(
      `${TEMPORAL_WORKFLOW_TYPES[type]} runs ${type} workflows, not ${input.workflowType}`,
      'WrongWorkflowTypeError',
    );
  }
  return businessWorkflow(input);
}

/** A payoff request (PAYOFF). */
export function PayoffWorkflow(input: BusinessWorkflowInput): Promise<BusinessWorkflowResult> {
  return asType('PAYOFF', input);
}

/** An HOA document acquisition (HOA_ACQUISITION). */
export function HoaAcquisitionWorkflow(
  input: BusinessWorkflowInput,
): Promise<BusinessWorkflowResult> {
  return asType('HOA_ACQUISITION', input);
}

/** A municipal lien search (MUNICIPAL_LIEN_SEARCH). */
export function MunicipalLienSearchWorkflow(
  input: BusinessWorkflowInput,
): Promise<BusinessWorkflowResult> {
  return asType('MUNICIPAL_LIEN_SEARCH', input);
}
