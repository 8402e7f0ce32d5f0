import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type AppErrorCode } from './errors.js';

const STATUS: Record<AppErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
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
