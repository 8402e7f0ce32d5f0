import { Router } from 'express';
import { requireUser, type ApiDeps } from '../context.js';
import { parseRequest } from '../errors.js';
import { calendarBody, clientCalendarParams } from './schemas.js';
import { calendars, clientCalendar, defaultCalendar, setCalendar } from './service.js';

// Business calendars: read by everyone allowed to; set by managers.

export function calendarsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/api/calendars', async (_req, res) => {
    const claims = requireUser(res);
    res.json({ items: await calendars(deps, claims) });
  });

  router.get('/api/calendars/default', async (_req, res) => {
    const claims = requireUser(res);
    res.json(await defaultCalendar(deps, claims));
  });

  router.put('/api/calendars/default', async (req, res) => {
    const claims = requireUser(res);
    const body = parseRequest(calendarBody, req.body, 'body');
    res.json(await setCalendar(deps, claims, null, body));
  });

  router.get('/api/clients/:clientId/calendar', async (req, res) => {
    const claims = requireUser(res);
    const { clientId } = parseRequest(clientCalendarParams, req.params, 'params');
    res.json(await clientCalendar(deps, claims, clientId));
  });

  router.put('/api/clients/:clientId/calendar', async (req, res) => {
    const claims = requireUser(res);
    const { clientId } = parseRequest(clientCalendarParams, req.params, 'params');
    const body = parseRequest(calendarBody, req.body, 'body');
    res.json(await setCalendar(deps, claims, clientId, body));
  });

  return router;
}
