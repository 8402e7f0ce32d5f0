import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { timestamps, tstz } from './columns.js';
import {
  escalationActionEnum,
  escalationStatusEnum,
  escalationTriggerEnum,
  executorTypeEnum,
  priorityEnum,
  slaAlertLevelEnum,
  slaCountsEnum,
  slaPauseReasonEnum,
  slaStatusEnum,
  taskStatusEnum,
  workflowStatusEnum,
  workflowTypeEnum,
} from './enums.js';
import { businessCalendars } from './calendars.js';
import { clients, counterparties, userProfiles } from './parties.js';

/** One business workflow (one payoff request, one HOA acquisition, ...). */
export const workflows = pgTable(
  'workflows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowType: workflowTypeEnum('workflow_type').notNull(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    description: text('description'),
    status: workflowStatusEnum('status').notNull().default('PENDING'),
    priority: priorityEnum('priority').notNull().default('NORMAL'),
    /** Property address, loan number, ... */
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** Lender, HOA or municipality this workflow deals with. */
    counterpartyId: uuid('counterparty_id').references(() => counterparties.id, {
      onDelete: 'restrict',
    }),
    /** The ID of the Temporal workflow that owns this row (derived from `id`). */
    temporalWorkflowId: text('temporal_workflow_id'),
    /** The creating request's Idempotency-Key: the same key again returns this row. */
    idempotencyKey: text('idempotency_key'),
    createdBy: uuid('created_by').references(() => userProfiles.id, { onDelete: 'set null' }),
    assignedTo: uuid('assigned_to').references(() => userProfiles.id, { onDelete: 'set null' }),
    dueAt: tstz('due_at'),
    startedAt: tstz('started_at'),
    completedAt: tstz('completed_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('workflows_temporal_workflow_id_key').on(t.temporalWorkflowId),
    uniqueIndex('workflows_client_idempotency_key').on(t.clientId, t.idempotencyKey),
    index('workflows_client_id_idx').on(t.clientId),
    index('workflows_status_idx').on(t.status),
    index('workflows_type_status_idx').on(t.workflowType, t.status),
    index('workflows_due_at_idx').on(t.dueAt),
    check(
      'workflows_completed_after_started',
      sql`${t.completedAt} IS NULL OR ${t.startedAt} IS NULL OR ${t.completedAt} >= ${t.startedAt}`,
    ),
    check(
      'workflows_terminal_has_completed_at',
      sql`(${t.status} IN ('COMPLETED', 'FAILED', 'CANCELLED')) = (${t.completedAt} IS NOT NULL)`,
    ),
  ],
);

/**
 * The log of every attempt at every step. A row whose status is terminal never changes
 * again (enforced by a trigger); a retry is a new row with the next attempt number.
 */
export const taskExecutions = pgTable(
  'task_executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    /** Position of the step in the workflow's task sequence, from 0. */
    stepIndex: integer('step_index').notNull(),
    attempt: integer('attempt').notNull().default(1),
    taskType: text('task_type').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    status: taskStatusEnum('status').notNull().default('PENDING'),
    executorType: executorTypeEnum('executor_type').notNull(),
    /** Agent name (Nina, Iris, ...) for AI_AGENT steps. */
    agentName: text('agent_name'),
    /** Channel chosen for the step (EMAIL, PHONE, IVR, PORTAL), where it has one. */
    channel: text('channel'),
    /** The HIL user who did the step by hand. */
    executedBy: uuid('executed_by').references(() => userProfiles.id, { onDelete: 'restrict' }),
    inputData: jsonb('input_data').$type<Record<string, unknown>>().notNull().default({}),
    outputData: jsonb('output_data').$type<Record<string, unknown>>(),
    errorMessage: text('error_message'),
    errorRetryable: boolean('error_retryable'),
    slaSeconds: integer('sla_seconds'),
    startedAt: tstz('started_at'),
    completedAt: tstz('completed_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('task_executions_workflow_step_attempt_key').on(
      t.workflowId,
      t.stepIndex,
      t.attempt,
    ),
    index('task_executions_workflow_id_idx').on(t.workflowId),
    index('task_executions_status_idx').on(t.status),
    index('task_executions_task_type_idx').on(t.taskType),
    check('task_executions_attempt_positive', sql`${t.attempt} >= 1`),
    check('task_executions_step_index_nonnegative', sql`${t.stepIndex} >= 0`),
    check('task_executions_sla_positive', sql`${t.slaSeconds} IS NULL OR ${t.slaSeconds} > 0`),
    check(
      'task_executions_agent_named',
      sql`${t.executorType} <> 'AI_AGENT' OR ${t.agentName} IS NOT NULL`,
    ),
    check(
      'task_executions_completed_after_started',
      sql`${t.completedAt} IS NULL OR ${t.startedAt} IS NULL OR ${t.completedAt} >= ${t.startedAt}`,
    ),
    check(
      'task_executions_terminal_has_completed_at',
      sql`(${t.status} IN ('COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED')) = (${t.completedAt} IS NOT NULL)`,
    ),
  ],
);

/**
 * The SLA clock of one task execution. Each alert level is reached at most once and in
 * order; the time it was reached is kept in its own column.
 */
export const slaTracking = pgTable(
  'sla_tracking',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    taskExecutionId: uuid('task_execution_id')
      .notNull()
      .references(() => taskExecutions.id, { onDelete: 'restrict' }),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    slaSeconds: integer('sla_seconds').notNull(),
    startedAt: tstz('started_at').notNull(),
    dueAt: tstz('due_at').notNull(),
    alertLevel: slaAlertLevelEnum('alert_level').notNull().default('GREEN'),
    status: slaStatusEnum('status').notNull().default('ACTIVE'),
    yellowAt: tstz('yellow_at'),
    orangeAt: tstz('orange_at'),
    redAt: tstz('red_at'),
    breachedAt: tstz('breached_at'),
    /**
     * When each level was really written (the database's clock), beside the threshold time
     * it stands for (yellow_at, ...): their difference is how late the alert was.
     */
    yellowRecordedAt: tstz('yellow_recorded_at'),
    orangeRecordedAt: tstz('orange_recorded_at'),
    redRecordedAt: tstz('red_recorded_at'),
    breachedRecordedAt: tstz('breached_recorded_at'),
    /** CALENDAR counts every hour; BUSINESS only the working hours of calendar_id. */
    counts: slaCountsEnum('counts').notNull().default('CALENDAR'),
    /** The calendar a BUSINESS clock counts in (the client's, or the platform default). */
    calendarId: uuid('calendar_id').references(() => businessCalendars.id, {
      onDelete: 'restrict',
    }),
    /**
     * Counted time (ms) up to counting_since, or up to paused_at while paused: with the
     * calendar, what the clock has used at any instant. due_at moves when a pause ends or
     * the calendar changes.
     */
    countedMs: bigint('counted_ms', { mode: 'number' }).notNull().default(0),
    countingSince: tstz('counting_since'),
    /** Set while the clock is paused (see sla_pauses for why). */
    pausedAt: tstz('paused_at'),
    completedAt: tstz('completed_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('sla_tracking_task_execution_id_key').on(t.taskExecutionId),
    index('sla_tracking_workflow_id_idx').on(t.workflowId),
    index('sla_tracking_active_level_idx')
      .on(t.alertLevel, t.dueAt)
      .where(sql`${t.status} = 'ACTIVE'`),
    check('sla_tracking_sla_positive', sql`${t.slaSeconds} > 0`),
    check('sla_tracking_due_after_start', sql`${t.dueAt} > ${t.startedAt}`),
    check('sla_tracking_counted_not_negative', sql`${t.countedMs} >= 0`),
    check(
      'sla_tracking_business_has_calendar',
      sql`${t.counts} = 'CALENDAR' OR ${t.calendarId} IS NOT NULL`,
    ),
    check(
      'sla_tracking_levels_in_order',
      sql`(${t.orangeAt} IS NULL OR ${t.yellowAt} IS NOT NULL)
        AND (${t.redAt} IS NULL OR ${t.orangeAt} IS NOT NULL)
        AND (${t.breachedAt} IS NULL OR ${t.redAt} IS NOT NULL)
        AND (${t.yellowAt} IS NULL OR ${t.orangeAt} IS NULL OR ${t.yellowAt} <= ${t.orangeAt})
        AND (${t.orangeAt} IS NULL OR ${t.redAt} IS NULL OR ${t.orangeAt} <= ${t.redAt})
        AND (${t.redAt} IS NULL OR ${t.breachedAt} IS NULL OR ${t.redAt} <= ${t.breachedAt})`,
    ),
    check(
      'sla_tracking_level_matches_timestamps',
      sql`${t.alertLevel} = CASE
        WHEN ${t.breachedAt} IS NOT NULL THEN 'BREACHED'::sla_alert_level
        WHEN ${t.redAt} IS NOT NULL THEN 'RED'::sla_alert_level
        WHEN ${t.orangeAt} IS NOT NULL THEN 'ORANGE'::sla_alert_level
        WHEN ${t.yellowAt} IS NOT NULL THEN 'YELLOW'::sla_alert_level
        ELSE 'GREEN'::sla_alert_level END`,
    ),
  ],
);

/**
 * One pause of an SLA clock: while it lasts the clock counts nothing. At most one is open
 * (resumed_at NULL) per clock.
 */
export const slaPauses = pgTable(
  'sla_pauses',
  {
    id: uuid('id').primaryKey(),
    slaId: uuid('sla_id')
      .notNull()
      .references(() => slaTracking.id, { onDelete: 'restrict' }),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    reason: slaPauseReasonEnum('reason').notNull(),
    note: text('note'),
    /** The manager who put the escalation on hold (THIRD_PARTY_HOLD). */
    pausedBy: uuid('paused_by').references(() => userProfiles.id, { onDelete: 'set null' }),
    pausedAt: tstz('paused_at').notNull(),
    resumedAt: tstz('resumed_at'),
    ...timestamps,
  },
  (t) => [
    index('sla_pauses_sla_id_idx').on(t.slaId),
    index('sla_pauses_workflow_id_idx').on(t.workflowId),
    uniqueIndex('sla_pauses_one_open_key')
      .on(t.slaId)
      .where(sql`${t.resumedAt} IS NULL`),
    check(
      'sla_pauses_resumed_after_paused',
      sql`${t.resumedAt} IS NULL OR ${t.resumedAt} >= ${t.pausedAt}`,
    ),
  ],
);

/** A human-in-the-loop escalation: opened by the workflow, resolved by HIL staff. */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    taskExecutionId: uuid('task_execution_id')
      .notNull()
      .references(() => taskExecutions.id, { onDelete: 'restrict' }),
    trigger: escalationTriggerEnum('trigger').notNull(),
    status: escalationStatusEnum('status').notNull().default('OPEN'),
    reason: text('reason').notNull(),
    /** Snapshot of the SLA level when the escalation opened, for sorting by urgency. */
    slaLevel: slaAlertLevelEnum('sla_level'),
    assignedTo: uuid('assigned_to').references(() => userProfiles.id, { onDelete: 'set null' }),
    notificationCount: integer('notification_count').notNull().default(0),
    lastNotifiedAt: tstz('last_notified_at'),
    resolutionAction: escalationActionEnum('resolution_action'),
    resolutionData: jsonb('resolution_data').$type<Record<string, unknown>>(),
    resolutionNote: text('resolution_note'),
    resolvedBy: uuid('resolved_by').references(() => userProfiles.id, { onDelete: 'restrict' }),
    resolvedAt: tstz('resolved_at'),
    ...timestamps,
  },
  (t) => [
    index('escalations_workflow_id_idx').on(t.workflowId),
    index('escalations_open_idx')
      .on(t.createdAt)
      .where(sql`${t.status} = 'OPEN'`),
    uniqueIndex('escalations_one_open_per_task_key')
      .on(t.taskExecutionId)
      .where(sql`${t.status} = 'OPEN'`),
    check('escalations_notification_count_nonnegative', sql`${t.notificationCount} >= 0`),
    check(
      'escalations_resolution_complete',
      sql`(${t.status} = 'RESOLVED') = (${t.resolutionAction} IS NOT NULL AND ${t.resolvedAt} IS NOT NULL)`,
    ),
  ],
);
