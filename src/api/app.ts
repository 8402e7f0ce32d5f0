import express, { type Express } from 'express';
import { healthRouter } from './health/router.js';
import type { HealthService } from './health/service.js';
import { errorHandler, notFound } from './middleware.js';

export interface AppDeps {
  health: HealthService;
  log: (message: string) => void;
}

/** The Express app, without `listen` (the entrypoint and the tests each listen). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));
  app.use(healthRouter(deps.health));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
