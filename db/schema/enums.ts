import { pgEnum } from 'drizzle-orm/pg-core';

export const workflowTypeEnum = pgEnum('workflow_type', [
  'PAYOFF',
  'HOA_ACQUISITION',
  'MUNICIPAL_LIEN_SEARCH',
]);

export const workflowStatusEnum = pgEnum('workflow_status', [
  'PENDING',
  'IN_PROGRESS',
  'BLOCKED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
]);

export const priorityEnum = pgEnum('priority_level', ['LOW', 'NORMAL', 'HIGH', 'URGENT']);

/** COMPLETED, FAILED, SKIPPED and CANCELLED are terminal: the database refuses to change such a row. */
export const taskStatusEnum = pgEnum('task_status', [
  'PENDING',
  'RUNNING',
  'WAITING',
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
]);

export const TERMINAL_TASK_STATUSES = ['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;

export const executorTypeEnum = pgEnum('executor_type', ['AI_AGENT', 'HIL', 'SYSTEM']);

export const slaAlertLevelEnum = pgEnum('sla_alert_level', [
  'GREEN',
  'YELLOW',
  'ORANGE',
  'RED',
  'BREACHED',
]);

export const slaStatusEnum = pgEnum('sla_status', ['ACTIVE', 'COMPLETED', 'CANCELLED']);

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

export const actorTypeEnum = pgEnum('actor_type', ['AGENT', 'HUMAN', 'SYSTEM']);

export const escalationTriggerEnum = pgEnum('escalation_trigger', [
  'RETRIES_EXHAUSTED',
  'NON_RETRYABLE_FAILURE',
  'AGENT_NEEDS_HUMAN',
  'SLA_RED',
  'INBOUND_TIMEOUT',
]);

export const escalationStatusEnum = pgEnum('escalation_status', ['OPEN', 'RESOLVED', 'CANCELLED']);

export const escalationActionEnum = pgEnum('escalation_action', [
  'RETRY',
  'COMPLETE',
  'SKIP',
  'CANCEL_WORKFLOW',
]);

export const invoiceStatusEnum = pgEnum('invoice_status', ['DRAFT', 'ISSUED', 'PAID', 'VOID']);
