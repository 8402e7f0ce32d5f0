import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Database } from './client.js';
import * as schema from './schema/index.js';

/** The database roles a request may run as (Supabase's). */
export const REQUEST_ROLES = ['anon', 'authenticated', 'service_role'] as const;
export type RequestRole = (typeof REQUEST_ROLES)[number];

/** Verified JWT claims, as Supabase issues them. */
export interface JwtClaims {
  sub?: string;
  role: RequestRole;
  [claim: string]: unknown;
}

/**
 * Runs `fn` in one transaction as the caller: `request.jwt.claims` and the role are set
 * with SET LOCAL / set_config(..., true), so row-level security decides what the queries
 * see, and nothing of it outlives the transaction (the pooled connection goes back clean).
 */
export async function asCaller<T>(
  pool: pg.Pool,
  claims: JwtClaims | undefined,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const role: RequestRole = claims?.role ?? 'anon';
  if (!REQUEST_ROLES.includes(role)) throw new Error(`Not a request role: ${String(role)}`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
      JSON.stringify(claims ?? { role: 'anon' }),
    ]);
    // The role name comes from the fixed list above, never from the caller as such.
    await client.query(`SET LOCAL ROLE ${role}`);
    const result = await fn(drizzle(client, { schema, casing: 'snake_case' }));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
