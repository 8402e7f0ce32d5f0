import { sql } from 'drizzle-orm';
import {
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
  communicationDirectionEnum,
  communicationStatusEnum,
  communicationTypeEnum,
  slaAlertLevelEnum,
} from './enums.js';
import { counterparties, userProfiles } from './parties.js';
import { taskExecutions, workflows } from './workflows.js';

/**
 * Every interaction in one table (emails, calls, internal messages); the fields that only
 * one type has live in the matching *_metadata table.
 */
export const communications = pgTable(
  'communications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id').references(() => workflows.id, { onDelete: 'restrict' }),
    taskExecutionId: uuid('task_execution_id').references(() => taskExecutions.id, {
      onDelete: 'restrict',
    }),
    counterpartyId: uuid('counterparty_id').references(() => counterparties.id, {
      onDelete: 'restrict',
    }),
    communicationType: communicationTypeEnum('communication_type').notNull(),
    direction: communicationDirectionEnum('direction').notNull(),
    status: communicationStatusEnum('status').notNull().default('QUEUED'),
    subject: text('subject'),
    body: text('body'),
    sender: text('sender'),
    recipient: text('recipient'),
    /** Groups an email thread or a sequence of follow-ups. */
    threadId: text('thread_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    sentAt: tstz('sent_at'),
    ...timestamps,
  },
  (t) => [
    index('communications_workflow_id_idx').on(t.workflowId, t.createdAt),
    index('communications_task_execution_id_idx').on(t.taskExecutionId),
    index('communications_thread_id_idx').on(t.threadId),
    check(
      'communications_message_is_internal',
      sql`${t.communicationType} <> 'MESSAGE' OR ${t.direction} = 'INTERNAL'`,
    ),
  ],
);

export const emailMetadata = pgTable(
  'email_metadata',
  {
    communicationId: uuid('communication_id')
      .primaryKey()
      .references(() => communications.id, { onDelete: 'cascade' }),
    messageId: text('message_id'),
    inReplyTo: text('in_reply_to'),
    cc: text('cc')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    bcc: text('bcc')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    attachments: jsonb('attachments').$type<unknown[]>().notNull().default([]),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [uniqueIndex('email_metadata_message_id_key').on(t.messageId)],
);

export const callMetadata = pgTable(
  'call_metadata',
  {
    communicationId: uuid('communication_id')
      .primaryKey()
      .references(() => communications.id, { onDelete: 'cascade' }),
    phoneNumber: text('phone_number').notNull(),
    /** PHONE, or IVR for calls through an automated menu (Max). */
    callKind: text('call_kind').notNull().default('PHONE'),
    durationSeconds: integer('duration_seconds'),
    recordingUrl: text('recording_url'),
    transcript: text('transcript'),
    ivrPath: jsonb('ivr_path').$type<string[]>(),
    outcome: text('outcome'),
  },
  (t) => [
    check(
      'call_metadata_duration_nonnegative',
      sql`${t.durationSeconds} IS NULL OR ${t.durationSeconds} >= 0`,
    ),
    check('call_metadata_call_kind', sql`${t.callKind} IN ('PHONE', 'IVR')`),
  ],
);

/** Internal notifications: SLA alerts, escalations, manager notices. */
export const messageMetadata = pgTable(
  'message_metadata',
  {
    communicationId: uuid('communication_id')
      .primaryKey()
      .references(() => communications.id, { onDelete: 'cascade' }),
    /** SLA_ALERT, ESCALATION_OPENED, ESCALATION_REMINDER, MANAGER_NOTICE, FOLLOW_UP, ... */
    notificationKind: text('notification_kind').notNull(),
    /** The team the message is for (HIL, MANAGERS) when not addressed to one user. */
    recipientTeam: text('recipient_team'),
    recipientUserId: uuid('recipient_user_id').references(() => userProfiles.id, {
      onDelete: 'set null',
    }),
    slaLevel: slaAlertLevelEnum('sla_level'),
    readAt: tstz('read_at'),
  },
  (t) => [
    index('message_metadata_kind_idx').on(t.notificationKind),
    check(
      'message_metadata_has_recipient',
      sql`${t.recipientTeam} IS NOT NULL OR ${t.recipientUserId} IS NOT NULL`,
    ),
  ],
);
