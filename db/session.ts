import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { isDatabaseUnavailable, type Database } from './client.js';
import * as schema from './schema/index.js';

/** The database roles a request may run as (Supabase's). */
const REQUEST_ROLES = ['anon', 'authenticated', 'service_role'] as const;
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
 *
 * `signal` (the request's deadline): once aborted, the transaction is rolled back instead of
 * committed, so a caller already told "503, retry" finds nothing done. A connection that
 * broke or timed out is destroyed, never handed to the next request.
 */
export async function asCaller<T>(
  pool: pg.Pool,
  claims: JwtClaims | undefined,
  fn: (db: Database) => Promise<T>,
  opts: { signal?: AbortSignal } = {},
): Promise<T> {
  const role: RequestRole = claims?.role ?? 'anon';
  if (!REQUEST_ROLES.includes(role)) throw new Error(`Not a request role: ${String(role)}`);
  opts.signal?.throwIfAborted();
  const client = await pool.connect();
  // While checked out, the pool does not listen for the connection's errors: without this, a
  // server that goes away during the request would be an uncaught 'error' event (a crash).
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken ??= err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
      JSON.stringify(claims ?? { role: 'anon' }),
    ]);
    // The role name comes from the fixed list above, never from the caller as such.
    await client.query(`SET LOCAL ROLE ${role}`);
    const result = await fn(drizzle(client, { schema, casing: 'snake_case' }));
    opts.signal?.throwIfAborted();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A timed-out query may still be running on the connection, and a dead one cannot roll
    // back: both are destroyed (the server rolls back what the session had open).
    if (!broken && !isDatabaseUnavailable(err)) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
    } else {
      broken ??= err instanceof Error ? err : new Error(String(err));
    }
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ?? false);
  }
}
