// The platform's words, once: every enumeration the database, the workflow code, the API
// and the activities share. The PostgreSQL enums (db/schema/enums.ts), the zod schemas and the
// TypeScript types all derive from these lists, so a value cannot exist in one and not in
// another. Plain data, no imports: workflow code (deterministic) uses it too. Changing a list
// is a migration (`npm run db:generate`), and for a value a running workflow may hold, a
// replay question as well.

/** The business workflows the platform runs. */
export const WORKFLOW_TYPES = ['PAYOFF', 'HOA_ACQUISITION', 'MUNICIPAL_LIEN_SEARCH'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/** A `workflows` row's status. */
export const WORKFLOW_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'BLOCKED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** The statuses a workflow row does not leave. */
export const TERMINAL_WORKFLOW_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED'] as const;

export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A task execution's (one attempt's) status. */
export const TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'WAITING',
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
] as const;

/** Terminal: the database refuses to change such a row. */
export const TERMINAL_TASK_STATUSES = ['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;

/** Who does a task: an AI agent (through n8n), a person (HIL), or the workflow itself. */
export const EXECUTOR_TYPES = ['AI_AGENT', 'HIL', 'SYSTEM'] as const;
export type ExecutorType = (typeof EXECUTOR_TYPES)[number];

/** The SLA ladder, in order: GREEN until 60% of the SLA, then one level per threshold. */
export const SLA_LEVELS = ['GREEN', 'YELLOW', 'ORANGE', 'RED', 'BREACHED'] as const;
export type SlaLevel = (typeof SLA_LEVELS)[number];

/** The levels a clock reaches (each recorded once, at its threshold). */
export const REACHED_SLA_LEVELS = ['YELLOW', 'ORANGE', 'RED', 'BREACHED'] as const;
export type ReachedSlaLevel = (typeof REACHED_SLA_LEVELS)[number];

/** The share of the SLA at which each level is reached. */
export const SLA_THRESHOLDS: Record<ReachedSlaLevel, number> = {
  YELLOW: 0.6,
  ORANGE: 0.8,
  RED: 0.95,
  BREACHED: 1,
};

export const SLA_STATUSES = ['ACTIVE', 'COMPLETED', 'CANCELLED'] as const;

/** What an SLA clock counts: every hour (CALENDAR, 24/7) or the client's working hours (BUSINESS). */
export const SLA_COUNTS = ['CALENDAR', 'BUSINESS'] as const;
export type SlaCounts = (typeof SLA_COUNTS)[number];

/**
 * Why an SLA clock stopped: the step waits on a third party's documents (INBOUND_WAIT), or a
 * manager marked its escalation as waiting on a third party (THIRD_PARTY_HOLD).
 */
export const SLA_PAUSE_REASONS = ['INBOUND_WAIT', 'THIRD_PARTY_HOLD'] as const;
export type SlaPauseReason = (typeof SLA_PAUSE_REASONS)[number];

/** How an agent reaches a counterparty. */
export const CHANNELS = ['EMAIL', 'PHONE', 'IVR', 'PORTAL'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Why an escalation was opened. */
export const ESCALATION_TRIGGERS = [
  'RETRIES_EXHAUSTED',
  'NON_RETRYABLE_FAILURE',
  'AGENT_NEEDS_HUMAN',
  'SLA_RED',
  'INBOUND_TIMEOUT',
] as const;
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number];

export const ESCALATION_STATUSES = ['OPEN', 'RESOLVED', 'CANCELLED'] as const;

/** What HIL staff decide on an escalation. */
export const ESCALATION_ACTIONS = ['RETRY', 'COMPLETE', 'SKIP', 'CANCEL_WORKFLOW'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];

/** Who did something, in the audit trail. */
export const ACTOR_TYPES = ['AGENT', 'HUMAN', 'SYSTEM'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * The failure type of a database write refused for good (a foreign key, the terminal-row
 * guard, a value the column cannot hold): activities/database/refusals.ts raises it, the
 * workflow closes its row FAILED on it (workflows/business/workflow.ts).
 */
export const DATABASE_REFUSED = 'DatabaseRefusedError';
