import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Database = NodePgDatabase<typeof schema>;

/**
 * How each process introduces itself to PostgreSQL (`application_name`, shown in
 * pg_stat_activity and in the server's logs), so a connection can be traced to its process.
 */
export const APPLICATION_NAMES = {
  worker: 'rexera-worker',
  api: 'rexera-api',
  /** The API's LISTEN connection (live events). */
  apiEvents: 'rexera-api-events',
  migrate: 'rexera-migrate',
} as const;

export interface PoolOptions {
  /** application_name of every connection (default `rexera-worker`). */
  applicationName?: string;
  /** How long to wait for a connection, a new one or a free one of the pool (default 5000). */
  connectionTimeoutMs?: number;
  /**
   * The server's statement_timeout; the client also gives up on a query 1 s after it, so a
   * server that is frozen or unreachable (where its own timeout cannot fire) is bounded too.
   * Unset: no limit.
   */
  statementTimeoutMs?: number;
  /** The server ends a session idle inside a transaction for this long. Unset: no limit. */
  idleInTransactionTimeoutMs?: number;
}

/** How much longer than statement_timeout the client waits before it gives up on a query. */
const CLIENT_QUERY_TIMEOUT_MARGIN_MS = 1_000;

/** A pg pool with the timeouts a service wants: fail fast when the server is gone. */
export function createPool(connectionString: string, max = 10, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? APPLICATION_NAMES.worker,
    // A peer that vanished without closing (host down, network cut) is noticed by the kernel.
    keepAlive: true,
    ...(options.statementTimeoutMs
      ? {
          statement_timeout: options.statementTimeoutMs,
          query_timeout: options.statementTimeoutMs + CLIENT_QUERY_TIMEOUT_MARGIN_MS,
        }
      : {}),
    ...(options.idleInTransactionTimeoutMs
      ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
      : {}),
  });
  // A client losing its server must not crash the process; the query that uses it next
  // reports the error (and the pool drops the client when it is released). pg emits 'error'
  // on the client itself, and the pool listens only while the client is idle in the pool: a
  // client checked out between two queries (a transaction's, a LISTEN's) would have none.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDb(pool: pg.Pool): Database {
  return drizzle(pool, { schema, casing: 'snake_case' });
}

/** SQLSTATEs that mean "the database cannot serve now; the same request may work later". */
const UNAVAILABLE_SQLSTATE = [
  /^08/, // connection exception
  /^53/, // insufficient resources (too many connections, out of memory, disk full)
  /^57P0[123]$/, // admin shutdown, crash shutdown, cannot connect now (starting up)
  /^57014$/, // query_canceled: statement_timeout
  /^25P03$/, // idle_in_transaction_session_timeout
];

/** Node's network errors: nothing answers, or the connection died. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** What node-postgres says when a connection cannot be had, broke, or did not answer in time. */
const CLIENT_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /^Query read timeout$/i,
  /is not queryable/i,
  /^timeout expired$/i,
];

/**
 * Whether an error (or any error it wraps, as drizzle does) says PostgreSQL is down,
 * unreachable, overloaded or too slow: a 503 for the caller, never a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { code, message, cause, errors } = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE.some((re) => re.test(code)))
        return true;
    }
    if (typeof message === 'string' && CLIENT_MESSAGES.some((re) => re.test(message))) return true;
    queue.push(cause);
    // net.connect to a name with several addresses fails with an AggregateError.
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}
