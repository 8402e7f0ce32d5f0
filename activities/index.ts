import type pg from 'pg';
import { createDb } from '../db/client.js';
import { createDatabaseActivities, type DatabaseObservers } from './database.js';
import { createN8nActivities, type N8nDeps } from './n8n.js';

/** What the activities need from the worker process. */
export interface ActivityDeps {
  /** Pool of the business database (Postgres). */
  pool: pg.Pool;
  n8n: N8nDeps;
  /** Where activities report what the worker's metrics show (optional). */
  observers?: DatabaseObservers;
}

/**
 * All activities, grouped by what they touch; the worker wires them with real
 * dependencies and tests with their own.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDatabaseActivities(createDb(deps.pool), deps.observers),
    ...createN8nActivities(deps.n8n),
  };
}

export type Activities = ReturnType<typeof createActivities>;
