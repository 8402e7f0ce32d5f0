import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MessageRejectedError, TemporalUnavailableError } from '../workflows/service.js';
import type { RejectionType } from '../../workflows/business/handlers.js';
import { AppError, type AppErrorCode } from './errors.js';

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
export function errorHandler(log: (msg: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
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
      );
    } else if (isBodyParserError(err)) {
      appError =
        err.type === 'entity.too.large'
          ? new AppError('PAYLOAD_TOO_LARGE', 'Request body is larger than the limit')
          : new AppError('VALIDATION_FAILED', `Request body is not valid JSON: ${err.message}`);
    } else {
      log(`unhandled error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      appError = new AppError('INTERNAL', 'Internal error');
    }
    res.status(STATUS[appError.code]).json({
      error: { code: appError.code, message: appError.message, details: appError.details },
    });
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
