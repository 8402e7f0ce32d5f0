import type { z } from 'zod';

/**
 * The one error base class: a stable machine-readable `code` and a message for people.
 * Only the API's error middleware turns codes into HTTP statuses.
 */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export type AppErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNPROCESSABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'INTERNAL';

/** Parses one part of a request; a failure names every bad field ("body.priority: ..."). */
export function parseRequest<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'headers',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const field = [where, ...i.path.map(String)].join('.');
    return i.code === 'unrecognized_keys'
      ? `${where}: unknown field(s) ${i.keys.join(', ')}`
      : `${field}: ${i.message}`;
  });
  throw new AppError('VALIDATION_FAILED', problems.join('; '), {
    fields: result.error.issues.map((i) => [where, ...i.path.map(String)].join('.')),
  });
}
