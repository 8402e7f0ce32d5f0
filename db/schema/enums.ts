import { pgEnum } from 'drizzle-orm/pg-core';
import {
  ACTOR_TYPES,
  ESCALATION_ACTIONS,
  ESCALATION_STATUSES,
  ESCALATION_TRIGGERS,
  EXECUTOR_TYPES,
  PRIORITIES,
  SLA_COUNTS,
  SLA_LEVELS,
  SLA_PAUSE_REASONS,
  SLA_STATUSES,
  TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  WORKFLOW_STATUSES,
  WORKFLOW_TYPES,
} from '../../workflows/vocabulary.js';

// The PostgreSQL enums. Those the workflow code and the API share come from the one
// vocabulary (workflows/vocabulary.ts); the rest are the database's own.

export const workflowTypeEnum = pgEnum('workflow_type', WORKFLOW_TYPES);

export const workflowStatusEnum = pgEnum('workflow_status', WORKFLOW_STATUSES);

export const priorityEnum = pgEnum('priority_level', PRIORITIES);

/** COMPLETED, FAILED, SKIPPED and CANCELLED are terminal: the database refuses to change such a row. */
export const taskStatusEnum = pgEnum('task_status', TASK_STATUSES);

export { TERMINAL_TASK_STATUSES };

export const executorTypeEnum = pgEnum('executor_type', EXECUTOR_TYPES);

export const slaAlertLevelEnum = pgEnum('sla_alert_level', SLA_LEVELS);

export const slaStatusEnum = pgEnum('sla_status', SLA_STATUSES);

export const slaCountsEnum = pgEnum('sla_counts', SLA_COUNTS);

export const slaPauseReasonEnum = pgEnum('sla_pause_reason', SLA_PAUSE_REASONS);

export const communicationTypeEnum = pgEnum('communication_type', ['EMAIL', 'CALL', 'MESSAGE']);

export const communicationDirectionEnum = pgEnum('communication_direction', [
  'INBOUND',
  'OUTBOUND',
  'INTERNAL',
]);

export const communicationStatusEnum = pgEnum('communication_status', [
  'QUEUED',
  'SENT',
  'DELIVERED',
  'RECEIVED',
  'READ',
  'FAILED',
]);

export const documentTypeEnum = pgEnum('document_type', ['WORKING', 'DELIVERABLE']);

export const counterpartyTypeEnum = pgEnum('counterparty_type', [
  'LENDER',
  'HOA',
  'MUNICIPALITY',
  'COUNTY',
  'TITLE_COMPANY',
  'OTHER',
]);

export const userTypeEnum = pgEnum('user_type', ['HIL', 'CLIENT']);

export const userRoleEnum = pgEnum('user_role', ['CLIENT_USER', 'HIL_STAFF', 'MANAGER', 'ADMIN']);

export const actorTypeEnum = pgEnum('actor_type', ACTOR_TYPES);

export const escalationTriggerEnum = pgEnum('escalation_trigger', ESCALATION_TRIGGERS);

export const escalationStatusEnum = pgEnum('escalation_status', ESCALATION_STATUSES);

export const escalationActionEnum = pgEnum('escalation_action', ESCALATION_ACTIONS);

export const invoiceStatusEnum = pgEnum('invoice_status', ['DRAFT', 'ISSUED', 'PAID', 'VOID']);
