import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, QueuedWrite } from '../../activities/index.js';
import type { DatabaseActivities } from '../../activities/database.js';
import { DATABASE_REFUSED } from '../vocabulary.js';

// One proxy per timeout/retry profile.

/** Database writes as normal activities: retried for as long as it takes (an outage must not fail a workflow). */
const durable = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
  },
});

/**
 * Database writes as local activities: run by the worker inside the workflow task that asked
 * for them, so a step boundary (finish one attempt, start the next, dispatch) costs no round
 * trips to the server. Retried in the worker for 30 s at most: past that (a database outage)
 * the same write goes out as a normal activity, which waits the outage out. Both are
 * idempotent (IDs chosen by the workflow, ON CONFLICT DO NOTHING), so a write that did
 * commit before its local attempt timed out is not made twice.
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '5 seconds',
  },
});

/**
 * Reads (the client's calendar): local activities, never queued, also in an Update's task
 * (a read has no effect to lose). Retried until the database answers.
 */
export const reads = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
  },
});

/** Histories from before local writes replay their normal activities. */
const LOCAL_WRITES = 'local-database-writes';

/** The history length of the workflow task in which an Update handler last ran. */
let updateTask: number | undefined;
/** Writes asked for in an Update's task, not made yet (see updateInThisTask). */
const queued: QueuedWrite[] = [];
/** The flusher's writeAll under way, which every later write waits for (order). */
let flushing: Promise<void> | undefined;
/** A queued write the database refused for good, for the main flow to fail with. */
let flushRefused: Error | undefined;

/**
 * The refusal in `err`, if a database write was refused for good (activities/database/
 * refusals.ts): retrying cannot help. A normal activity's failure carries it as its cause; a
 * local activity's may be the refusal itself.
 */
export function refusalIn(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; depth++) {
    if (e instanceof ApplicationFailure && e.type === DATABASE_REFUSED) return e;
    e = e instanceof ActivityFailure || e instanceof ApplicationFailure ? e.cause : undefined;
  }
  return undefined;
}

/** Throws the refusal of a queued write, once (the main flow fails with it). */
export function throwIfRefused(): void {
  const refused = flushRefused;
  flushRefused = undefined;
  if (refused !== undefined) throw refused;
}

/**
 * Called by every Update handler. An Update's acceptance is written to the history only when
 * its workflow task completes; should the server lose that task (a crash), the Update is lost
 * too, and the workflow runs that task again without it, maybe down another path (a deadline
 * firing instead). A local activity run in the lost task would have written its rows already:
 * rows of a path the workflow then never took. So the writes of an Update's task are queued,
 * and go out as normal activities, which are in the history before they run: carried by the
 * dispatch the task ends with (it makes them before it posts to n8n), or else made together by
 * the flusher. Signals, timers and activity results are in the history before their task
 * runs: those tasks write at once, locally.
 */
export function updateInThisTask(): void {
  updateTask = workflowInfo().historyLength;
}

const inUpdateTask = () => updateTask === workflowInfo().historyLength;

/**
 * Makes the writes queued in an Update's task that no dispatch took, once the main flow has
 * gone as far as it can in that task: conditions are looked at only after every microtask
 * has run. Started once per run; never cancelled (the writes must be made).
 */
export function startFlusher(): void {
  void CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => queued.length > 0 && flushing === undefined);
      flushing = durable.writeAll(queued.splice(0)).finally(() => (flushing = undefined));
      try {
        await flushing;
      } catch (err) {
        // Only a refusal ends a durable write: handed to the main flow (its next write, or
        // its end, throws it), which closes the row FAILED.
        flushRefused = err instanceof Error ? err : new Error(String(err));
      }
    }
  });
}

/** Waits for the flusher's writes under way (later writes come after them). */
export async function flushed(): Promise<void> {
  // A refusal is the flusher's to hand on (throwIfRefused).
  while (flushing) await flushing.catch(() => undefined);
}

/**
 * For the dispatch that ends an Update's task: the writes queued so far, which it makes
 * before it posts (empty in other tasks, whose writes are made at once).
 */
export function takeQueued(): QueuedWrite[] {
  return queued.splice(0);
}

/** Makes writes as a normal activity (retried for as long as it takes). */
export function writeDurably(writes: QueuedWrite[]): Promise<void> {
  return durable.writeAll(writes);
}

/** No write is queued or being made by the flusher (a run ends, or continues as new, after). */
export function writesSettled(): boolean {
  return queued.length === 0 && flushing === undefined;
}

/**
 * The database writes: local first, durable behind (see `local`); queued in an Update's task
 * (see updateInThisTask), where they resolve at once.
 */
export const db: DatabaseActivities = new Proxy({} as DatabaseActivities, {
  get(_target, name: keyof DatabaseActivities) {
    return async (input: never) => {
      if (patched(LOCAL_WRITES)) {
        if (inUpdateTask()) {
          queued.push({ name, input });
          return undefined;
        }
        await flushed();
        throwIfRefused();
        try {
          return await (local[name] as (i: never) => Promise<unknown>)(input);
        } catch (err) {
          // Refused for good: a normal activity would be refused the same way.
          if (isCancellation(err) || refusalIn(err)) throw err;
          log.warn('local database write failed; retrying it as a normal activity', {
            activity: name,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      return (durable[name] as (i: never) => Promise<unknown>)(input);
    };
  },
});

/**
 * Dispatch to n8n: 5xx and network errors retry with backoff for up to an hour;
 * a 4xx (DispatchRejectedError) fails at once. A cancelled dispatch (its outcome came first
 * and the run ends) is waited for until the server has it cancelled.
 */
export const n8n = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['DispatchRejectedError', 'WritesFailedError'],
  },
});

/**
 * Outbound messages through n8n's channel connectors: retried for ten minutes at most, so a
 * connector outage delays a waiting step's reaction to its documents by no more than that.
 */
export const channels = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['CommunicationRejectedError'],
  },
});
