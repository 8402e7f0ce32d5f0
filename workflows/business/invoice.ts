import { z } from 'zod';

const decimal = (places: number) =>
  z
    .union([z.number().nonnegative(), z.string()])
    .transform((v) => (typeof v === 'number' ? String(v) : v))
    .pipe(
      z
        .string()
        .regex(
          new RegExp(`^\\d{1,10}(\\.\\d{1,${places}})?$`),
          `must be a non-negative amount with at most ${places} decimals`,
        ),
    );

/** What generate_invoice (Kosha) must return: the lines are priced exactly in SQL. */
export const invoiceOutputSchema = z.looseObject({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  tax: decimal(2).default('0'),
  dueDate: z.iso.date().optional(),
  lines: z
    .array(
      z.looseObject({
        description: z.string().min(1).max(500),
        category: z.string().min(1).max(100).default('SERVICE_FEE'),
        quantity: decimal(2).default('1'),
        unitPrice: decimal(2),
      }),
    )
    .min(1, 'an invoice needs at least one line'),
});
export type InvoiceOutput = z.infer<typeof invoiceOutputSchema>;

/** Human-readable problems of a zod failure: "lines.0.unitPrice: must be ...". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
