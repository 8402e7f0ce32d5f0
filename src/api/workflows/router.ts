import { Router } from 'express';
import { requireUser, type ApiDeps } from '../context.js';
import { parseRequest } from '../errors.js';
import { deadlineOf } from '../middleware.js';
import {
  cancelWorkflowBody,
  createWorkflowBody,
  idempotencyHeaders,
  listWorkflowsQuery,
  workflowParams,
} from './schemas.js';
import {
  auditLog,
  cancelWorkflow,
  createWorkflow,
  getWorkflow,
  listClients,
  listWorkflows,
} from './service.js';

export function workflowsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/api/workflows', async (req, res) => {
    const claims = requireUser(res);
    const headers = parseRequest(idempotencyHeaders, req.headers, 'headers');
    const body = parseRequest(createWorkflowBody, req.body, 'body');
    const result = await createWorkflow(
      deps,
      claims,
      body,
      headers['idempotency-key'],
      deadlineOf(res),
    );
    res.status(result.created ? 201 : 200).json(result);
  });

  router.get('/api/workflows', async (req, res) => {
    const claims = requireUser(res);
    res.json(
      await listWorkflows(deps, claims, parseRequest(listWorkflowsQuery, req.query, 'query')),
    );
  });

  router.get('/api/clients', async (_req, res) => {
    const claims = requireUser(res);
    res.json({ items: await listClients(deps, claims) });
  });

  router.get('/api/workflows/:id', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(workflowParams, req.params, 'params');
    res.json(await getWorkflow(deps, claims, id));
  });

  router.get('/api/workflows/:id/audit', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(workflowParams, req.params, 'params');
    res.json(await auditLog(deps, claims, id));
  });

  router.post('/api/workflows/:id/cancel', async (req, res) => {
    const claims = requireUser(res);
    const { id } = parseRequest(workflowParams, req.params, 'params');
    const body = parseRequest(cancelWorkflowBody, req.body, 'body');
    res.status(202).json(await cancelWorkflow(deps, claims, id, body));
  });

  return router;
}
