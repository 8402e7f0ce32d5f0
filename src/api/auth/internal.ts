import { sql } from 'drizzle-orm';
import type { Database } from '../../../db/client.js';
import { asCaller, type JwtClaims } from '../../../db/session.js';
import type { ApiDeps } from '../context.js';
import { AppError } from '../errors.js';

/**
 * Runs `fn` as the caller, in the same transaction as the check that they are HIL staff, a
 * manager or an admin (per their profile): 403 otherwise, before anything else is read.
 */
export function asInternal<T>(
  deps: ApiDeps,
  claims: JwtClaims,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  return asCaller(deps.pool, claims, async (db) => {
    if (!(await internal(db)))
      throw new AppError('FORBIDDEN', 'Only HIL staff and managers may do this');
    return fn(db);
  });
}

/** Whether the caller is HIL staff, a manager or an admin (per their profile). */
export function isInternal(deps: ApiDeps, claims: JwtClaims): Promise<boolean> {
  return asCaller(deps.pool, claims, internal);
}

async function internal(db: Database): Promise<boolean> {
  const { rows } = await db.execute<{ internal: boolean }>(
    sql`SELECT public.rls_is_internal() AS internal`,
  );
  return rows[0]!.internal;
}

/**
 * Runs `fn` as the caller, in the same transaction as the check that they are a manager or
 * an admin: 403 otherwise, before anything else is read.
 */
export function asManager<T>(
  deps: ApiDeps,
  claims: JwtClaims,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  return asCaller(deps.pool, claims, async (db) => {
    const { rows } = await db.execute<{ manager: boolean }>(
      sql`SELECT public.rls_is_manager() AS manager`,
    );
    if (!rows[0]!.manager) throw new AppError('FORBIDDEN', 'Only managers may do this');
    return fn(db);
  });
}
