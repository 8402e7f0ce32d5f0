import express, { type Express } from 'express';
import { authRouter } from './auth/router.js';
import { calendarsRouter } from './calendars/router.js';
import { callbacksRouter } from './callbacks/router.js';
import { consoleRouter, type ConsoleSettings } from './console/router.js';
import { authenticate, type ApiDeps, type RawBodyRequest } from './context.js';
import { escalationsRouter } from './escalations/router.js';
import type { EventHub } from './events/hub.js';
import { eventsRouter } from './events/router.js';
import { healthRouter } from './health/router.js';
import type { HealthService } from './health/service.js';
import { devRouter } from './dev/router.js';
import type { Tracer } from '@opentelemetry/api';
import { createLogger, type Logger } from '../log.js';
import { createMetrics } from './metrics.js';
import { errorHandler, notFound, requestDeadline, requireJson } from './middleware.js';
import { openApiDocument } from './openapi.js';
import { requestContext } from './request-context.js';
import { workflowsRouter } from './workflows/router.js';

const BODY_LIMIT = '256kb';
/** API_REQUEST_TIMEOUT_MS's default: every request is answered within this. */
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** The Express app, without `listen` (the entrypoint and the tests each listen). */
export function createApp(
  deps: ApiDeps & {
    health: HealthService;
    hub: EventHub;
    console?: ConsoleSettings;
    /** The dev login's signing secret (and the agent simulator), when DEV_LOGIN is on. */
    devLogin?: { jwtSecret: string; agentSimulatorUrl?: string };
    /** The API's logger: each request gets a child of it and its completion line. */
    logger?: Logger;
    /** With tracing on: a span per request, parent of the Temporal client's spans. */
    tracer?: Tracer;
  },
): Express {
  const app = express();
  app.disable('x-powered-by');
  const requests = requestContext(deps.logger ?? createLogger('api'), deps.tracer);
  app.use(requests.begin);
  const metrics = createMetrics(deps.pool);
  app.use(metrics.observe);
  app.use(requestDeadline(deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS));
  app.use(healthRouter(deps.health));
  app.get('/metrics', metrics.endpoint);
  const document = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(
    consoleRouter(
      deps.console ?? {
        devLogin: false,
        demoEscalation: false,
        temporalUiUrl: 'http://127.0.0.1:8233',
        namespace: 'default',
      },
    ),
  );
  app.use(requireJson);
  app.use(
    express.json({
      limit: BODY_LIMIT,
      // n8n's callbacks are signed over the exact bytes: keep them.
      verify: (req, _res, buf) => {
        (req as RawBodyRequest).rawBody = buf;
      },
    }),
  );
  app.use(requests.resume);
  app.use(authenticate(deps));
  if (deps.devLogin) app.use(devRouter(deps, deps.devLogin));
  app.use(authRouter(deps));
  app.use(callbacksRouter(deps));
  app.use(workflowsRouter(deps));
  app.use(escalationsRouter(deps));
  app.use(calendarsRouter(deps));
  app.use(eventsRouter(deps, deps.hub));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
