import type pg from 'pg';
import { createDb } from '../db/client.js';
import {
  createDatabaseActivities,
  type DatabaseActivities,
  type DatabaseObservers,
} from './database.js';
import { activityLog } from './logging.js';
import { createN8nActivities, type DispatchRequest, type N8nDeps } from './n8n.js';

/** One database write, named, to be made later in order with others (see writeAll). */
export type QueuedWrite = {
  [K in keyof DatabaseActivities]: { name: K; input: Parameters<DatabaseActivities[K]>[0] };
}[keyof DatabaseActivities];

/**
 * The writes a dispatch carries could not be made (the database is down): the workflow makes
 * them as a normal activity, which waits the outage out, and dispatches again without them.
 */
export class WritesFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WritesFailedError';
  }
}

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
  const database = createDatabaseActivities(createDb(deps.pool), deps.observers);
  const n8n = createN8nActivities(deps.n8n);
  const writeAll = async (writes: QueuedWrite[]): Promise<void> => {
    for (const w of writes) {
      await (database[w.name] as (input: typeof w.input) => Promise<void>)(w.input);
    }
  };
  return {
    ...database,
    ...n8n,
    /** Database writes in the order given, each its own transaction (each idempotent). */
    writeAll,
    /**
     * Hands one task execution to n8n. With `writes`, makes them first (the attempt RUNNING,
     * the step before finished): n8n gets the task only once its rows say so, and a retry of
     * the dispatch repeats the writes harmlessly.
     */
    async dispatchTask(request: DispatchRequest & { writes?: QueuedWrite[] }) {
      const { writes, ...dispatch } = request;
      if (writes && writes.length > 0) {
        try {
          await writeAll(writes);
        } catch (err) {
          activityLog()?.warn(
            'the writes before a dispatch failed: the workflow makes them apart',
            {
              taskExecutionId: dispatch.taskExecutionId,
              err,
            },
          );
          throw new WritesFailedError(
            `The writes before dispatching task ${dispatch.taskExecutionId} failed: ${String(err)}`,
          );
        }
      }
      const answer = await n8n.dispatchTask(dispatch);
      activityLog()?.info('task dispatched to n8n', {
        taskExecutionId: dispatch.taskExecutionId,
        workflowRowId: dispatch.workflowId,
        taskType: dispatch.taskType,
        agent: dispatch.agent,
        taskAttempt: dispatch.attempt,
        status: answer.status,
      });
      return answer;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
