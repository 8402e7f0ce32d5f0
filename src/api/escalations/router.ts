import { Router } from 'express';
import { requireUser, type ApiDeps } from '../context.js';
import { parseRequest } from '../errors.js';
import {
  assignBody,
  escalationListQuery,
  escalationParams,
  holdBody,
  resolveBody,
} from './schemas.js';
import {
  assign,
  hilStaff,
  hold,
  listEscalations,
  resolve,
  slaBoard,
  taskOutputs,
} from './service.js';

// HIL staff: the escalation queue, assignment and resolution; the SLA board.

export function escalationsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/api/escalations', async (req, res) => {
    const claims = requireUser(res);
    const q = parseRequest(escalationListQuery, req.query, 'query');
    res.json({ items: await listEscalations(deps, claims, q) });
  });

  router.post('/api/escalations/:id/resolve', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(escalationParams, req.params, 'params');
    const body = parseRequest(resolveBody, req.body, 'body');
    res.json(await resolve(deps, claims, id, body));
  });

  router.post('/api/escalations/:id/assign', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(escalationParams, req.params, 'params');
    // No body at all means: the caller takes it.
    const body = parseRequest(assignBody, req.body ?? {}, 'body');
    res.json(await assign(deps, claims, id, body));
  });

  router.post('/api/escalations/:id/hold', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(escalationParams, req.params, 'params');
    const body = parseRequest(holdBody, req.body, 'body');
    res.json(await hold(deps, claims, id, body));
  });

  router.get('/api/task-outputs', (_req, res) => {
    requireUser(res);
    res.json({ items: taskOutputs() });
  });

  router.get('/api/hil-staff', async (_req, res) => {
    const claims = requireUser(res);
    res.json({ items: await hilStaff(deps, claims) });
  });

  router.get('/api/sla-board', async (_req, res) => {
    const claims = requireUser(res);
    res.json(await slaBoard(deps, claims));
  });

  return router;
}
