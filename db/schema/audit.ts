import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.js';
import { actorTypeEnum } from './enums.js';
import { workflows } from './workflows.js';

/**
 * Append-only log of every significant action by any actor. The database refuses UPDATE,
 * DELETE and TRUNCATE on it (triggers in the constraints migration).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id').references(() => workflows.id, { onDelete: 'restrict' }),
    actorType: actorTypeEnum('actor_type').notNull(),
    /** Agent name, user ID or system component. */
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name'),
    /** e.g. task.completed, sla.level_reached, escalation.resolved */
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: uuid('resource_id'),
    eventData: jsonb('event_data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('audit_events_workflow_id_idx').on(t.workflowId, t.createdAt),
    index('audit_events_resource_idx').on(t.resourceType, t.resourceId),
    index('audit_events_action_idx').on(t.action),
    index('audit_events_created_at_idx').on(t.createdAt),
  ],
);
