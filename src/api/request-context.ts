import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  context as otelContext,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Next, WorkflowClientInterceptor } from '@temporalio/client';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log.js';
import type { Caller } from './context.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An incoming request ID we keep: a plain token of at most 128 characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}$/;

/** What one request carries through its handlers. */
interface RequestContext {
  requestId: string;
  log: Logger;
  /** The workflows this request started, signalled, updated or queried (Temporal IDs). */
  workflowIds: Set<string>;
  /** The request's span and its context, when tracing is on. */
  span?: Span;
  otel?: Context;
}

const current = new AsyncLocalStorage<RequestContext>();

/** The request's own logger (every line with its requestId). */
export function requestLog(res: Response): Logger | undefined {
  return (res.locals.requestContext as RequestContext | undefined)?.log;
}

/** The request ID the API gave this request (also in the X-Request-Id answer header). */
export function requestIdOf(res: Response): string | undefined {
  return (res.locals.requestContext as RequestContext | undefined)?.requestId;
}

/**
 * Names every request: the caller's X-Request-Id when it is a sane token, else a new UUID,
 * echoed in the answer. The request gets a child logger with it (`requestLog`), and when it is
 * answered (or its connection ends first) one line: method, route, status, duration, user,
 * and the workflows it touched. With a tracer, a SERVER span per request (continuing the
 * caller's traceparent) under which the Temporal client's spans are made.
 */
export function requestContext(
  log: Logger,
  tracer?: ReturnType<typeof trace.getTracer>,
): { begin: RequestHandler; resume: RequestHandler } {
  const begin: RequestHandler = (req, res, next) => {
    const incoming = req.header(REQUEST_ID_HEADER);
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const ctx: RequestContext = {
      requestId,
      log: log.child({ requestId }),
      workflowIds: new Set(),
    };
    if (tracer) {
      const parent = propagation.extract(otelContext.active(), req.headers);
      ctx.span = tracer.startSpan(
        req.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': req.method,
            'url.path': req.path,
            'request.id': requestId,
          },
        },
        parent,
      );
      ctx.otel = trace.setSpan(parent, ctx.span);
    }
    res.locals.requestContext = ctx;
    const started = process.hrtime.bigint();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const durationMs = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      const route = routeOf(req);
      const caller = res.locals.caller as Caller | undefined;
      const fields = {
        method: req.method,
        route,
        path: route ? undefined : req.path,
        status: res.statusCode,
        durationMs,
        userId: caller?.kind === 'user' ? caller.claims.sub : undefined,
        caller: caller?.kind,
        workflowIds: ctx.workflowIds.size > 0 ? [...ctx.workflowIds] : undefined,
        aborted: res.writableFinished ? undefined : true,
        // The trace this request's spans are in (whatever context 'finish' fires in).
        traceId: ctx.span?.spanContext().traceId,
      };
      if (ctx.span) {
        ctx.span.updateName(`${req.method} ${route ?? '(unmatched)'}`);
        if (route) ctx.span.setAttribute('http.route', route);
        ctx.span.setAttribute('http.response.status_code', res.statusCode);
        if (ctx.workflowIds.size > 0)
          ctx.span.setAttribute('temporal.workflow_ids', [...ctx.workflowIds]);
        if (res.statusCode >= 500) ctx.span.setStatus({ code: SpanStatusCode.ERROR });
        ctx.span.end();
      }
      const level = res.statusCode >= 500 ? 'warn' : 'info';
      ctx.log[level]('request completed', fields);
    };
    res.once('finish', finish);
    res.once('close', finish);
    enter(ctx, next);
  };
  // Body parsing resumes in the socket's own async context: enter the request's again.
  const resume: RequestHandler = (_req, res, next) => {
    const ctx = res.locals.requestContext as RequestContext | undefined;
    if (ctx) enter(ctx, next);
    else next();
  };
  return { begin, resume };
}

function enter(ctx: RequestContext, next: () => void): void {
  current.run(ctx, () => (ctx.otel ? otelContext.with(ctx.otel, next) : next()));
}

/** The matched route's pattern (`/api/workflows/:id`), not the path: it groups requests. */
function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/** Notes on the current request which workflow a Temporal client call was about. */
function note(workflowId: string | undefined): void {
  if (workflowId) current.getStore()?.workflowIds.add(workflowId);
}

/**
 * A Temporal client interceptor that records, on the request under way, the workflows it
 * starts, signals, updates or queries, for the request's log line.
 */
export const workflowIdRecorder: WorkflowClientInterceptor = {
  startWithDetails(input, next: Next<WorkflowClientInterceptor, 'startWithDetails'>) {
    note(input.options.workflowId);
    return next(input);
  },
  signal(input, next: Next<WorkflowClientInterceptor, 'signal'>) {
    note(input.workflowExecution.workflowId);
    return next(input);
  },
  signalWithStart(input, next: Next<WorkflowClientInterceptor, 'signalWithStart'>) {
    note(input.options.workflowId);
    return next(input);
  },
  startUpdate(input, next: Next<WorkflowClientInterceptor, 'startUpdate'>) {
    note(input.workflowExecution.workflowId);
    return next(input);
  },
  query(input, next: Next<WorkflowClientInterceptor, 'query'>) {
    note(input.workflowExecution.workflowId);
    return next(input);
  },
};
