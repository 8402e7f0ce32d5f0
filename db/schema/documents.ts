import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { documentTypeEnum } from './enums.js';
import { counterparties, userProfiles } from './parties.js';
import { taskExecutions, workflows } from './workflows.js';

/** Every file of a workflow, from working documents to the DELIVERABLE handed to the client. */
export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    taskExecutionId: uuid('task_execution_id').references(() => taskExecutions.id, {
      onDelete: 'restrict',
    }),
    counterpartyId: uuid('counterparty_id').references(() => counterparties.id, {
      onDelete: 'restrict',
    }),
    documentType: documentTypeEnum('document_type').notNull().default('WORKING'),
    filename: text('filename').notNull(),
    /** Where the file is stored (object storage URL or path). */
    storageUrl: text('storage_url').notNull(),
    mimeType: text('mime_type'),
    fileSizeBytes: bigint('file_size_bytes', { mode: 'number' }),
    /** Who sent it: HOA, LENDER, MUNICIPALITY, AGENT, CLIENT, HIL. */
    source: text('source'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    version: integer('version').notNull().default(1),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdBy: uuid('created_by').references(() => userProfiles.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [
    index('documents_workflow_id_idx').on(t.workflowId),
    index('documents_task_execution_id_idx').on(t.taskExecutionId),
    index('documents_type_idx').on(t.documentType),
    check('documents_size_nonnegative', sql`${t.fileSizeBytes} IS NULL OR ${t.fileSizeBytes} >= 0`),
    check('documents_version_positive', sql`${t.version} >= 1`),
  ],
);
