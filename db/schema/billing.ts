import { sql } from 'drizzle-orm';
import {
  check,
  char,
  date,
  index,
  jsonb,
  numeric,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { timestamps, tstz } from './columns.js';
import { invoiceStatusEnum } from './enums.js';
import { clients } from './parties.js';
import { taskExecutions, workflows } from './workflows.js';

/** Money columns: exact decimals, read as strings so no float ever touches them. */
const money = (name: string) => numeric(name, { precision: 12, scale: 2 });

export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'restrict' }),
    /** The generate_invoice task execution whose output this invoice comes from. */
    taskExecutionId: uuid('task_execution_id').references(() => taskExecutions.id, {
      onDelete: 'restrict',
    }),
    invoiceNumber: text('invoice_number').notNull(),
    status: invoiceStatusEnum('status').notNull().default('DRAFT'),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    subtotal: money('subtotal').notNull().default('0'),
    tax: money('tax').notNull().default('0'),
    total: money('total').notNull().default('0'),
    issuedAt: tstz('issued_at'),
    dueDate: date('due_date'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('invoices_invoice_number_key').on(t.invoiceNumber),
    uniqueIndex('invoices_one_live_per_workflow_key')
      .on(t.workflowId)
      .where(sql`${t.status} <> 'VOID'`),
    index('invoices_client_id_idx').on(t.clientId),
    check('invoices_amounts_nonnegative', sql`${t.subtotal} >= 0 AND ${t.tax} >= 0`),
    check('invoices_total_adds_up', sql`${t.total} = ${t.subtotal} + ${t.tax}`),
    check('invoices_currency_upper', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

export const costItems = pgTable(
  'cost_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    taskExecutionId: uuid('task_execution_id').references(() => taskExecutions.id, {
      onDelete: 'restrict',
    }),
    description: text('description').notNull(),
    /** SERVICE_FEE, THIRD_PARTY_FEE, AGENT_COST, ... */
    category: text('category').notNull(),
    quantity: numeric('quantity', { precision: 10, scale: 2 }).notNull().default('1'),
    unitPrice: money('unit_price').notNull(),
    amount: money('amount').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('cost_items_invoice_id_idx').on(t.invoiceId),
    index('cost_items_workflow_id_idx').on(t.workflowId),
    check('cost_items_quantity_positive', sql`${t.quantity} > 0`),
    check('cost_items_unit_price_nonnegative', sql`${t.unitPrice} >= 0`),
    check(
      'cost_items_amount_is_product',
      sql`${t.amount} = round(${t.quantity} * ${t.unitPrice}, 2)`,
    ),
  ],
);
