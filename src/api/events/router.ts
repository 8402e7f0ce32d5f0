import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { workflows } from '../../../db/schema/index.js';
import { asCaller } from '../../../db/session.js';
import { requireUser, type ApiDeps } from '../context.js';
import { AppError, parseRequest } from '../errors.js';
import { deadlineOf } from '../middleware.js';
import type { EventHub } from './hub.js';

const params = z.strictObject({ id: z.uuid() });
const HEARTBEAT_MS = 15_000;

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

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('ready', { workflowId: id, status: row.status });
    const unsubscribe = hub.subscribe(id, {
      change: (change) => send('change', change),
      // Changes made while the database connection was down were not announced.
      gap: () =>
        send('resync', {
          workflowId: id,
          message:
            'The live feed was interrupted; changes may have been missed: re-read the workflow.',
        }),
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
  return router;
}
