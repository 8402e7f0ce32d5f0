import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { CHANNELS, INBOUND_KINDS } from '../definitions/index.js';
import { storableJsonObject, storableText } from '../storable.js';
import { ESCALATION_ACTIONS } from '../vocabulary.js';

// Messages the business workflow handles. The API imports these same constants and
// schemas, so names and payload rules cannot drift between sender and receiver.
//
// These schemas are a replay contract: validators do not run on replay, and handlers take
// the validated argument as it is, so tightening a rule here only refuses new messages.
// Every string and JSON value must be one PostgreSQL can store (storable.ts): a message the
// workflow accepts but cannot write would retry its activity forever.

const jsonObject = storableJsonObject();
const text = storableText;

/** What n8n reports for one dispatched task execution. */
export const taskOutcomeSchema = z.discriminatedUnion('status', [
  z.strictObject({
    taskExecutionId: z.uuid(),
    attempt: z.number().int().min(1),
    status: z.literal('COMPLETED'),
    output: jsonObject,
  }),
  z.strictObject({
    taskExecutionId: z.uuid(),
    attempt: z.number().int().min(1),
    status: z.literal('FAILED'),
    error: z.strictObject({
      message: text().min(1).max(4000),
      retryable: z.boolean(),
      code: text().max(200).optional(),
    }),
  }),
  z.strictObject({
    taskExecutionId: z.uuid(),
    attempt: z.number().int().min(1),
    status: z.literal('NEEDS_HUMAN'),
    reason: text().min(1).max(4000),
  }),
]);
export type TaskOutcome = z.infer<typeof taskOutcomeSchema>;

/**
 * applied: it changed the workflow. duplicate: the same outcome was already applied, so
 * nothing happened. stale: it is for an older attempt or a task that already finished.
 */
export type DeliveryResult = 'applied' | 'duplicate' | 'stale';

export interface TaskOutcomeAnswer {
  result: DeliveryResult;
  taskExecutionId: string;
  message: string;
}

export { ESCALATION_ACTIONS };

/** Why a validator refused a message: the API maps the type to an HTTP status. */
export type RejectionType =
  | 'MalformedMessage'
  | 'UnknownTaskExecution'
  | 'WrongAttempt'
  | 'InvalidOutput'
  | 'EscalationNotOpen'
  | 'AlreadyResolved'
  | 'ActionNotAllowed'
  | 'AlreadyAssigned'
  | 'UnexpectedDocument'
  | 'HoldNotSupported';

/** An HIL decision on an open escalation. */
export const escalationResolutionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    escalationId: z.uuid(),
    userId: z.uuid(),
    action: z.literal('RETRY'),
    note: text().max(4000).optional(),
    /** Another agent for the new attempt. */
    agent: text().min(1).max(100).optional(),
    /** Another channel for the new attempt. */
    channel: z.enum(CHANNELS).optional(),
  }),
  z.strictObject({
    escalationId: z.uuid(),
    userId: z.uuid(),
    action: z.literal('COMPLETE'),
    note: text().max(4000).optional(),
    /** The result, as the agent would have reported it. */
    output: jsonObject,
  }),
  z.strictObject({
    escalationId: z.uuid(),
    userId: z.uuid(),
    action: z.literal('SKIP'),
    note: text().min(1).max(4000),
  }),
  z.strictObject({
    escalationId: z.uuid(),
    userId: z.uuid(),
    action: z.literal('CANCEL_WORKFLOW'),
    note: text().min(1).max(4000),
  }),
]);
export type EscalationResolution = z.infer<typeof escalationResolutionSchema>;

export interface ResolutionAnswer {
  result: 'applied' | 'duplicate';
  escalationId: string;
  message: string;
}

/** HIL staff take an open escalation (or hand it to a colleague), so two do not work it at once. */
export const escalationAssignmentSchema = z.strictObject({
  escalationId: z.uuid(),
  /** Who works the escalation from now on. */
  assigneeId: z.uuid(),
  /** Who assigned it (the same person when they take it themselves). */
  assignedBy: z.uuid(),
  /** A manager reassigning an escalation someone else holds (others cannot). */
  override: z.boolean().optional(),
  note: text().max(4000).optional(),
});
export type EscalationAssignment = z.infer<typeof escalationAssignmentSchema>;

export interface AssignmentAnswer {
  result: 'applied' | 'duplicate';
  escalationId: string;
  message: string;
}

/** An inbound document (the HOA's documents, the lender's payoff statement). */
export const documentReceivedSchema = z.strictObject({
  /** Chosen by the sender and reused on a retry: it is the document row's ID. */
  documentId: z.uuid(),
  kind: z.enum(INBOUND_KINDS),
  filename: text().min(1).max(500),
  storageUrl: text().min(1).max(2000),
  mimeType: text().max(200).optional(),
  fileSizeBytes: z.number().int().min(0).optional(),
  source: text().max(100).optional(),
  metadata: jsonObject.optional(),
});
export type DocumentReceived = z.infer<typeof documentReceivedSchema>;

export interface DocumentAnswer {
  result: 'applied' | 'duplicate';
  documentId: string;
  message: string;
}

/** Who cancels a workflow through the API, and why: signalled just before the Temporal cancel. */
export const cancelRequestSchema = z.strictObject({
  userId: z.uuid(),
  reason: text().trim().min(1).max(2000),
});
export type CancelRequest = z.infer<typeof cancelRequestSchema>;

/**
 * A manager puts an open escalation on hold for a third party (onHold true) or lifts the
 * hold: while it holds, the step's SLA clock stops (if its definition says so).
 */
export const escalationHoldSchema = z.strictObject({
  escalationId: z.uuid(),
  userId: z.uuid(),
  onHold: z.boolean(),
  note: text().max(2000).optional(),
});
export type EscalationHold = z.infer<typeof escalationHoldSchema>;

export interface HoldAnswer {
  result: 'applied' | 'duplicate';
  escalationId: string;
  onHold: boolean;
  message: string;
}

/** A business calendar changed (the API signals the running workflows it applies to). */
export const calendarChangedSchema = z.strictObject({
  calendarId: z.uuid(),
  version: z.number().int().min(1),
});
export type CalendarChanged = z.infer<typeof calendarChangedSchema>;

export const taskOutcomeUpdate = defineUpdate<TaskOutcomeAnswer, [TaskOutcome]>('taskOutcome');
/** The durable fallback when no worker is up to complete the Update: same payload, same dedupe. */
export const taskOutcomeSignal = defineSignal<[TaskOutcome]>('taskOutcomeSignal');
export const cancelRequestedSignal = defineSignal<[CancelRequest]>('cancelRequested');
export const resolveEscalationUpdate = defineUpdate<ResolutionAnswer, [EscalationResolution]>(
  'resolveEscalation',
);
export const assignEscalationUpdate = defineUpdate<AssignmentAnswer, [EscalationAssignment]>(
  'assignEscalation',
);
export const documentReceivedUpdate = defineUpdate<DocumentAnswer, [DocumentReceived]>(
  'documentReceived',
);
export const documentReceivedSignal = defineSignal<[DocumentReceived]>('documentReceivedSignal');
export const holdEscalationUpdate = defineUpdate<HoldAnswer, [EscalationHold]>('holdEscalation');
/** Read the calendar again: the thresholds of a BUSINESS clock may move. */
export const calendarChangedSignal = defineSignal<[CalendarChanged]>('calendarChanged');

export interface StepStatus {
  stepIndex: number;
  taskType: string;
  status: 'PENDING' | 'RUNNING' | 'WAITING' | 'ESCALATED' | 'COMPLETED' | 'SKIPPED' | 'CANCELLED';
  attempt: number;
  taskExecutionId: string;
  agent?: string;
  slaLevel?: string;
}

export interface WorkflowStatus {
  workflowId: string;
  workflowType: string;
  status: 'IN_PROGRESS' | 'BLOCKED' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  currentStep?: { stepIndex: number; taskType: string; attempt: number };
  steps: StepStatus[];
  openEscalation?: {
    escalationId: string;
    taskExecutionId: string;
    trigger: string;
    reason: string;
    assignedTo?: string;
  };
  dueAt: string;
}

export const statusQuery = defineQuery<WorkflowStatus>('status');
