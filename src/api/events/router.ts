import { eq } from 'drizzle-orm';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { workflows } from '../../../db/schema/index.js';
import { asCaller } from '../../../db/session.js';
import { requireUser, type ApiDeps } from '../context.js';
import { AppError, parseRequest } from '../errors.js';
import { deadlineOf } from '../middleware.js';
import { isInternal } from '../auth/internal.js';
import { EVERY_WORKFLOW, type EventHub, type Subscriber } from './hub.js';

const params = z.strictObject({ id: z.uuid() });
const HEARTBEAT_MS = 15_000;
/** How soon a client told to reconnect does (EventSource's `retry`). */
const RECONNECT_MS = 1_000;

/**
 * Streams `subscribe`'s events as server-sent events until the client goes. `scope` (what the
 * stream is of) goes with its `ready` and `resync` events.
 */
function stream(
  req: Request,
  res: Response,
  scope: Record<string, unknown>,
  subscribe: (subscriber: Subscriber) => () => void,
  ready: Record<string, unknown> = {},
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('ready', { ...scope, ...ready });
  const unsubscribe = subscribe({
    change: (change) => send('change', change),
    // Changes made while the database connection was down were not announced.
    gap: () =>
      send('resync', {
        ...scope,
        message: 'The live feed was interrupted; changes may have been missed: re-read.',
      }),
    // EventSource reconnects by itself after `retry` ms: to another instance behind the
    // balancer, or this one restarted. It re-reads there (its `ready` event).
    closing: () => {
      res.write(`retry: ${RECONNECT_MS}
`);
      send('reconnect', { ...scope, message: 'This server is shutting down: reconnect.' });
      res.end();
    },
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

/**
 * GET /api/workflows/:id/events: server-sent events, one per change of the workflow's rows,
 * pushed from Postgres LISTEN/NOTIFY (no polling). Browsers' EventSource cannot send
 * headers, so the token may also come as ?access_token=. After the database connection was
 * lost and came back, a `resync` event says that changes may have been missed.
 */
export function eventsRouter(deps: ApiDeps, hub: EventHub): Router {
  const router = Router();
  router.get('/api/workflows/:id/events', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(params, req.params, 'params');
    const [row] = await asCaller(
      deps.pool,
      claims,
      (db) =>
        db
          .select({ id: workflows.id, status: workflows.status })
          .from(workflows)
          .where(eq(workflows.id, id)),
      { signal: deadlineOf(res) },
    );
    if (!row) throw new AppError('NOT_FOUND', `No workflow ${id} (or not yours to see)`);

    stream(req, res, { workflowId: id }, (subscriber) => hub.subscribe(id, subscriber), {
      status: row.status,
    });
  });

  /**
   * GET /api/events: the changes of every workflow the caller may see: all of them for HIL
   * staff and managers (the console's queue and SLA board stay live with it), their
   * organisation's for a client (row-level security decides, once per workflow and stream).
   */
  router.get('/api/events', async (req, res) => {
    const claims = requireUser(res);
    const all = await isInternal(deps, claims);
    const seen = new Map<string, Promise<boolean>>();
    const visible = (workflowId: string) => {
      let known = seen.get(workflowId);
      if (!known) {
        known = asCaller(deps.pool, claims, (db) =>
          db.select({ id: workflows.id }).from(workflows).where(eq(workflows.id, workflowId)),
        ).then(
          (rows) => rows.length > 0,
          () => {
            seen.delete(workflowId); // Asked again with the next change.
            return false;
          },
        );
        seen.set(workflowId, known);
      }
      return known;
    };
    stream(req, res, { scope: all ? 'all' : 'organisation' }, (subscriber) =>
      hub.subscribe(
        EVERY_WORKFLOW,
        all
          ? subscriber
          : {
              change: (change) =>
                void visible(change.workflowId).then((ok) => ok && subscriber.change(change)),
              gap: subscriber.gap,
            },
      ),
    );
  });
  return router;
}
