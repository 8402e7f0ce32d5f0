import { z } from 'zod';

// What PostgreSQL refuses to store although JSON and zod accept it: a NUL character (text and
// jsonb both refuse U+0000) and a lone UTF-16 surrogate (not valid UTF-8). One rule, used by
// every schema whose strings can reach the database: the API's requests and the workflow's
// messages alike. Deterministic, no I/O: the workflow bundle imports it.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL would refuse this text, or undefined when it stores it. */
function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it has a lone surrogate)';
  return undefined;
}

/** The first place in a JSON value that PostgreSQL would refuse (keys included), as a path. */
export function unstorable(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; message: string } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, message: problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unstorable(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) return { path: [...path, key], message: `key ${keyProblem}` };
      const found = unstorable(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A string PostgreSQL can store. */
export const storableText = () =>
  z.string().check((ctx) => {
    const problem = textProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

/** A JSON object PostgreSQL can store as jsonb; the issue names the bad field's path. */
export const storableJsonObject = () =>
  z.record(z.string(), z.unknown()).check((ctx) => {
    const found = unstorable(ctx.value);
    if (found) {
      ctx.issues.push({
        code: 'custom',
        message: found.message,
        path: found.path,
        input: ctx.value,
      });
    }
  });
