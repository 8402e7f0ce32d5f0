import { ApplicationFailure } from '@temporalio/common';
import { DATABASE_REFUSED } from '../../workflows/vocabulary.js';

// A write the database refuses for good: retrying it would fail the same way forever.

/**
 * SQLSTATEs no retry fixes. Class 23 (integrity: a foreign key, a unique key that is not an
 * idempotent repeat, since those are ON CONFLICT DO NOTHING, a check, a NOT NULL); class 22
 * (the data itself: a value out of range, text PostgreSQL cannot store); and the schema's own
 * guards: RX001 (audit_events is append-only) and RX002 (a terminal task row cannot change).
 * Anything else (a lost connection, a timeout, a deadlock, a serialization failure, the
 * server starting or shutting down) can pass, and is retried.
 */
function isRefusedForGood(code: string): boolean {
  return code.startsWith('23') || code.startsWith('22') || code === 'RX001' || code === 'RX002';
}

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  detail?: unknown;
  message?: unknown;
}

/** The PostgreSQL error behind `err` (drizzle wraps it in its query error). */
function pgErrorOf(err: unknown): PgErrorFields | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const fields = e as PgErrorFields & { cause?: unknown };
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) return fields;
    e = fields.cause;
  }
  return undefined;
}

/**
 * `err` as a non-retryable DatabaseRefusedError when the database refused the write for good
 * (with the SQLSTATE, constraint and table as details); otherwise `err` as it is.
 */
export function refusalOf(activity: string, err: unknown): unknown {
  const pg = pgErrorOf(err);
  if (!pg || !isRefusedForGood(pg.code as string)) return err;
  const details = {
    activity,
    sqlState: pg.code as string,
    constraint: typeof pg.constraint === 'string' ? pg.constraint : undefined,
    table: typeof pg.table === 'string' ? pg.table : undefined,
  };
  const message = `${activity}: the database refused the write (SQLSTATE ${details.sqlState}${
    details.constraint ? `, ${details.constraint}` : ''
  }): ${typeof pg.message === 'string' ? pg.message : String(err)}`;
  return ApplicationFailure.create({
    type: DATABASE_REFUSED,
    message,
    nonRetryable: true,
    details: [details],
    cause: err instanceof Error ? err : undefined,
  });
}

/** The activities with every refusal for good turned into a DatabaseRefusedError. */
export function refusingForGood<T extends Record<string, (input: never) => Promise<unknown>>>(
  activities: T,
): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (input: never) => {
        try {
          return await fn(input);
        } catch (err) {
          throw refusalOf(name, err);
        }
      },
    ]),
  ) as T;
}
