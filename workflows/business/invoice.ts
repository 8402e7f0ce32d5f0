import { z } from 'zod';
import { storableText } from '../storable.js';

/** A non-negative decimal with at most `digits` digits before the point (the column's numeric(p, s)). */
const decimal = (digits: number, places: number) =>
  z
    .union([z.number().nonnegative(), z.string()])
    .transform((v) => (typeof v === 'number' ? String(v) : v))
    .pipe(
      z
        .string()
        .regex(
          new RegExp(`^\\d{1,${digits}}(\\.\\d{1,${places}})?$`),
          `must be a non-negative amount below 10^${digits} with at most ${places} decimals`,
        ),
    );

/** Amounts are numeric(12, 2): below 10^10. Products and sums are checked against it too. */
const MONEY_DIGITS = 10;
const MONEY_LIMIT = 9_999_999_999;

/** What generate_invoice (Kosha) must return: the lines are priced exactly in SQL. */
export const invoiceOutputSchema = z
  .looseObject({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
      .default('USD'),
    tax: decimal(MONEY_DIGITS, 2).default('0'),
    // PostgreSQL has no year 0.
    dueDate: z.iso
      .date()
      .refine((d) => !d.startsWith('0000'), 'must be a date from year 1 on')
      .optional(),
    lines: z
      .array(
        z.looseObject({
          description: storableText().min(1).max(500),
          category: storableText().min(1).max(100).default('SERVICE_FEE'),
          // cost_items.quantity is numeric(10, 2).
          quantity: decimal(8, 2).default('1'),
          unitPrice: decimal(MONEY_DIGITS, 2),
        }),
      )
      .min(1, 'an invoice needs at least one line'),
  })
  .superRefine((invoice, ctx) => {
    let total = Number(invoice.tax);
    for (const [i, line] of invoice.lines.entries()) {
      const amount = Number(line.quantity) * Number(line.unitPrice);
      total += amount;
      if (amount > MONEY_LIMIT) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', i],
          message: `quantity x unitPrice must stay below 10^${MONEY_DIGITS}`,
        });
      }
    }
    if (total > MONEY_LIMIT) {
      ctx.addIssue({
        code: 'custom',
        path: ['lines'],
        message: `the invoice total must stay below 10^${MONEY_DIGITS}`,
      });
    }
  });

/** Human-readable problems of a zod failure: "lines.0.unitPrice: must be ...". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
