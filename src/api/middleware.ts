import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { isDatabaseUnavailable } from '../../db/client.js';
import { MessageRejectedError, TemporalUnavailableError } from '../clients/business-workflows.js';
import type { RejectionType } from '../../workflows/business/messages.js';
import { AppError, type AppErrorCode } from './errors.js';
import { requestLog } from './request-context.js';

/** Retry-After (seconds) of every 503: a dependency is down, try again in a moment. */
export const RETRY_AFTER_SECONDS = 5;

/** What each kind of refusal by a workflow's validator means over HTTP. */
const REJECTION_CODES: Record<string, AppErrorCode> = {
  MalformedMessage: 'VALIDATION_FAILED',
  UnknownTaskExecution: 'NOT_FOUND',
  WrongAttempt: 'CONFLICT',
  InvalidOutput: 'UNPROCESSABLE',
  EscalationNotOpen: 'CONFLICT',
  AlreadyResolved: 'CONFLICT',
  ActionNotAllowed: 'UNPROCESSABLE',
  AlreadyAssigned: 'CONFLICT',
  UnexpectedDocument: 'UNPROCESSABLE',
  HoldNotSupported: 'UNPROCESSABLE',
} satisfies Record<RejectionType, AppErrorCode>;

const STATUS: Record<AppErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/** The one place where errors become HTTP answers: `{ error: { code, message, details } }`. */
export function errorHandler(fallbackLog: (msg: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // On the request's own logger (its requestId on the line) when it has one.
    const log = (message: string) => {
      const own = requestLog(res);
      if (own) own.error(message);
      else fallbackLog(message);
    };
    if (res.headersSent) {
      // Answered already (the request's deadline passed): what the handler did next is moot.
      if (!(err instanceof DeadlineExceededError) && !isHeadersSentError(err)) {
        log(`after the answer to ${req.method} ${req.path}: ${describe(err)}`);
      }
      return;
    }
    let appError: AppError;
    if (err instanceof AppError) {
      appError = err;
    } else if (err instanceof MessageRejectedError) {
      appError = new AppError(REJECTION_CODES[err.type] ?? 'UNPROCESSABLE', err.message, {
        reason: err.type,
      });
    } else if (err instanceof TemporalUnavailableError) {
      appError = new AppError(
        'DEPENDENCY_UNAVAILABLE',
        `Temporal is unavailable; retry later (${err.message})`,
        { dependency: 'temporal' },
      );
    } else if (isDatabaseUnavailable(err)) {
      appError = new AppError(
        'DEPENDENCY_UNAVAILABLE',
        `PostgreSQL is unavailable; retry later (${describe(err)})`,
        { dependency: 'postgres' },
      );
    } else if (err instanceof DeadlineExceededError) {
      appError = deadlineError(err.ms);
    } else if (isBodyParserError(err)) {
      appError =
        err.type === 'entity.too.large'
          ? new AppError('PAYLOAD_TOO_LARGE', 'Request body is larger than the limit')
          : new AppError('VALIDATION_FAILED', `Request body is not valid JSON: ${err.message}`);
    } else {
      log(`unhandled error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      appError = new AppError('INTERNAL', 'Internal error');
    }
    sendError(res, appError);
  };
}

function sendError(res: Response, appError: AppError): void {
  if (appError.code === 'DEPENDENCY_UNAVAILABLE')
    res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(STATUS[appError.code]).json({
    error: { code: appError.code, message: appError.message, details: appError.details },
  });
}

/** The innermost message of an error chain (drizzle wraps the driver's error). */
function describe(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

function isHeadersSentError(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'ERR_HTTP_HEADERS_SENT';
}

/** The request ran out of time (API_REQUEST_TIMEOUT_MS). */
class DeadlineExceededError extends Error {
  constructor(readonly ms: number) {
    super(`No answer within ${ms} ms`);
    this.name = 'DeadlineExceededError';
  }
}

function deadlineError(ms: number): AppError {
  return new AppError(
    'DEPENDENCY_UNAVAILABLE',
    `No answer within ${ms} ms (a dependency is slow or down); retry later`,
    { timeoutMs: ms },
  );
}

/** The request's deadline signal (aborted once it has been answered 503 for taking too long). */
export function deadlineOf(res: Response): AbortSignal | undefined {
  return res.locals.deadline as AbortSignal | undefined;
}

/**
 * Bounds every request: one not answered within `ms` gets a 503 with Retry-After, and its
 * deadline signal (deadlineOf) aborts, so that the work still under way commits nothing. A
 * stream that has started (server-sent events) is not cut.
 */
export function requestDeadline(ms: number): RequestHandler {
  return (_req, res, next) => {
    const controller = new AbortController();
    res.locals.deadline = controller.signal;
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      controller.abort(new DeadlineExceededError(ms));
      sendError(res, deadlineError(ms));
    }, ms);
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}

function isBodyParserError(err: unknown): err is Error & { type: string } {
  return err instanceof Error && typeof (err as { type?: unknown }).type === 'string';
}

/** Requests with a body must send JSON (415 otherwise). */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'];
  if (hasBody && !req.is('application/json')) {
    next(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type must be application/json, not ${req.headers['content-type'] ?? 'none'}`,
      ),
    );
    return;
  }
  next();
};
