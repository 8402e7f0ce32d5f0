import { z } from 'zod';
import { taskOutcomeSchema } from '../../../workflows/business/messages.js';

// What n8n posts. The outcome itself is the workflow's own message schema.

export const taskOutcomeCallbackSchema = z.strictObject({
  /** workflows.id of the business workflow (as in the dispatch). */
  workflowId: z.uuid(),
  /** Its Temporal workflow ID, as in the dispatch (older n8n executions leave it out). */
  temporalWorkflowId: z.string().min(1).max(200).optional(),
  outcome: taskOutcomeSchema,
});

export const workflowParams = z.strictObject({ id: z.uuid() });
