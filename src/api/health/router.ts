import { Router } from 'express';
import { RETRY_AFTER_SECONDS } from '../middleware.js';
import type { HealthService } from './service.js';

/** GET /health: 200 when Postgres and Temporal both answer, 503 (with which one) otherwise. */
export function healthRouter(health: HealthService): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const report = await health.report();
    if (report.status !== 'ok') res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  return router;
}
