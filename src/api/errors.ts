import type { z } from 'zod';
import { unstorable } from '../../workflows/storable.js';

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

/** JSON input nested deeper than this is refused: deeper, serialising it overflows the stack. */
export const MAX_JSON_DEPTH = 64;

/** The path of the first place nested deeper than `max` levels (iterative: any depth). */
function tooDeep(value: unknown, max: number): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= max) return path;
    const entries = Array.isArray(v) ? v.entries() : Object.entries(v);
    for (const [key, item] of entries) stack.push({ value: item, path: [...path, key] });
  }
  return undefined;
}

function fieldName(where: string, path: readonly PropertyKey[]): string {
  return [where, ...path.map(String)].join('.');
}

/**
 * Parses one part of a request; a failure names every bad field ("body.priority: ...").
 * Before the schema, the one rule for everything that may reach PostgreSQL
 * (workflows/storable.ts): no NUL character and no lone surrogate in any string or key,
 * and no nesting deeper than MAX_JSON_DEPTH. Every route parses its input here.
 */
export function parseRequest<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'headers',
): z.infer<T> {
  const deep = tooDeep(value, MAX_JSON_DEPTH);
  if (deep) {
    const field = fieldName(where, deep);
    throw new AppError(
      'VALIDATION_FAILED',
      `${field}: must not be nested deeper than ${MAX_JSON_DEPTH} levels`,
      { fields: [field] },
    );
  }
  const bad = unstorable(value);
  if (bad) {
    const field = fieldName(where, bad.path);
    throw new AppError('VALIDATION_FAILED', `${field}: ${bad.message}`, { fields: [field] });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const field = fieldName(where, i.path);
    return i.code === 'unrecognized_keys'
      ? `${where}: unknown field(s) ${i.keys.join(', ')}`
      : `${field}: ${i.message}`;
  });
  throw new AppError('VALIDATION_FAILED', problems.join('; '), {
    fields: result.error.issues.map((i) => fieldName(where, i.path)),
  });
}
