import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { costItems, invoices } from '../../db/schema/index.js';
import { date, withAudit, type AuditInput } from './shared.js';

/** What createInvoice writes. */
export interface CreateInvoiceInput {
  id: string;
  workflowRowId: string;
  taskExecutionId: string;
  invoiceNumber: string;
  currency: string;
  tax: string;
  dueDate?: string;
  lines: {
    id: string;
    description: string;
    category: string;
    quantity: string;
    unitPrice: string;
  }[];
  at: number;
  audit: AuditInput;
}

/** The invoice from generate_invoice's output, and its cost items. */
export function billingWrites(db: Database) {
  return {
    /** The invoice from generate_invoice's output: lines priced in SQL (exact decimals). */
    async createInvoice(input: CreateInvoiceInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        const inserted = await tx
          .insert(invoices)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            clientId: sql`(SELECT client_id FROM workflows WHERE id = ${input.workflowRowId})`,
            taskExecutionId: input.taskExecutionId,
            invoiceNumber: input.invoiceNumber,
            status: 'ISSUED',
            currency: input.currency,
            issuedAt: date(input.at),
            dueDate: input.dueDate,
            createdAt: date(input.at),
          })
          .onConflictDoNothing()
          .returning({ id: invoices.id });
        if (inserted.length > 0) {
          await tx.insert(costItems).values(
            input.lines.map((l) => ({
              id: l.id,
              invoiceId: input.id,
              workflowId: input.workflowRowId,
              taskExecutionId: input.taskExecutionId,
              description: l.description,
              category: l.category,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              amount: sql`round(${l.quantity}::numeric * ${l.unitPrice}::numeric, 2)`,
              createdAt: date(input.at),
            })),
          );
          await tx
            .update(invoices)
            .set({
              subtotal: sql`(SELECT coalesce(sum(amount), 0) FROM cost_items WHERE invoice_id = ${input.id})`,
              tax: input.tax,
              total: sql`(SELECT coalesce(sum(amount), 0) FROM cost_items WHERE invoice_id = ${input.id}) + ${input.tax}::numeric`,
            })
            .where(eq(invoices.id, input.id));
        }
      });
    },
  };
}
