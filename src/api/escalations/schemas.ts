import { z } from 'zod';
import { CHANNELS, WORKFLOW_TYPES } from '../../../workflows/definitions/index.js';
import { ESCALATION_STATUSES, ESCALATION_TRIGGERS } from '../../../workflows/vocabulary.js';

export const escalationListQuery = z.strictObject({
  status: z.enum(ESCALATION_STATUSES).default('OPEN'),
  workflowType: z.enum(WORKFLOW_TYPES).optional(),
  trigger: z.enum(ESCALATION_TRIGGERS).optional(),
  /** `me`, `unassigned`, or a user ID. */
  assignedTo: z.union([z.literal('me'), z.literal('unassigned'), z.uuid()]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const escalationParams = z.strictObject({ id: z.uuid() });

/** The decision, without the escalation and user IDs (from the path and the token). */
export const resolveBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('RETRY'),
    note: z.string().max(4000).optional(),
    agent: z.string().min(1).max(100).optional(),
    channel: z.enum(CHANNELS).optional(),
  }),
  z.strictObject({
    action: z.literal('COMPLETE'),
    note: z.string().max(4000).optional(),
    output: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({ action: z.literal('SKIP'), note: z.string().min(1).max(4000) }),
  z.strictObject({ action: z.literal('CANCEL_WORKFLOW'), note: z.string().min(1).max(4000) }),
]);

/** Who takes the escalation: the caller when no one is named. */
export const assignBody = z.strictObject({
  assigneeId: z.uuid().optional(),
  note: z.string().max(4000).optional(),
});

/** A manager's hold for a third party: on (the SLA clock stops) or off. */
export const holdBody = z.strictObject({
  onHold: z.boolean(),
  note: z.string().max(2000).optional(),
});
