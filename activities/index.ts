import type pg from 'pg';

/** What the activities need from the worker process. */
export interface ActivityDeps {
  /** Pool of the business database (Postgres). */
  pool: pg.Pool;
}

/**
 * All activities, grouped by what they touch; the worker wires them with real
 * dependencies and tests with their own.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Confirms the worker reaches the business database. */
    async pingDatabase(): Promise<boolean> {
      await deps.pool.query('SELECT 1');
      return true;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
