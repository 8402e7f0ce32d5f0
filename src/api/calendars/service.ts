import type { z } from 'zod';
import { eq } from 'drizzle-orm';
import { createDb } from '../../../db/client.js';
import { clients } from '../../../db/schema/index.js';
import { asCaller, type JwtClaims } from '../../../db/session.js';
import {
  CalendarVersionConflict,
  getCalendar,
  listCalendars,
  putCalendar,
  signalCalendarChange,
} from '../../clients/calendars.js';
import { asManager } from '../auth/internal.js';
import type { ApiDeps } from '../context.js';
import { AppError } from '../errors.js';
import type { calendarBody } from './schemas.js';

// Business calendars: everyone reads what row-level security lets them (a client its own and
// the default); managers set one as a whole, and the running workflows it applies to are told.

type User = JwtClaims & { sub: string };

export function calendars(deps: ApiDeps, claims: User) {
  return asCaller(deps.pool, claims, (db) => listCalendars(db));
}

/** The calendar a client's BUSINESS clocks count in: its own, or else the default. */
export async function clientCalendar(deps: ApiDeps, claims: User, clientId: string) {
  return asCaller(deps.pool, claims, async (db) => {
    const [client] = await db
      .select({ id: clients.id })
      .from(clients)
      .where(eq(clients.id, clientId));
    if (!client) throw new AppError('NOT_FOUND', `No client ${clientId}`);
    const own = await getCalendar(db, clientId);
    if (own) return { ...own, inherited: false };
    const fallback = await getCalendar(db, null);
    if (!fallback) throw new AppError('NOT_FOUND', 'No default calendar');
    return { ...fallback, inherited: true };
  });
}

export async function defaultCalendar(deps: ApiDeps, claims: User) {
  const found = await asCaller(deps.pool, claims, (db) => getCalendar(db, null));
  if (!found) throw new AppError('NOT_FOUND', 'No default calendar');
  return found;
}

/**
 * Sets a calendar (managers only). A change is committed first, then every running workflow
 * that counts in it is signalled; the same content again changes and signals nothing.
 */
export async function setCalendar(
  deps: ApiDeps,
  claims: User,
  clientId: string | null,
  body: z.infer<typeof calendarBody>,
) {
  const { version, ...input } = body;
  const result = await asManager(deps, claims, async (db) => {
    if (clientId !== null) {
      const [client] = await db
        .select({ id: clients.id })
        .from(clients)
        .where(eq(clients.id, clientId));
      if (!client) throw new AppError('NOT_FOUND', `No client ${clientId}`);
    }
    try {
      return await putCalendar(db, clientId, input, {
        expectedVersion: version,
        userId: claims.sub,
      });
    } catch (err) {
      if (err instanceof CalendarVersionConflict) {
        throw new AppError('CONFLICT', `body.version: ${err.message}`, { version: err.actual });
      }
      throw err;
    }
  });
  const told = result.changed
    ? await signalCalendarChange(
        { db: createDb(deps.pool), client: deps.temporal },
        result.calendar,
      )
    : { signalled: 0, ended: 0 };
  return { ...result, workflowsSignalled: told.signalled };
}
