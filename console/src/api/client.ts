import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

// The API, typed from its own /openapi.json (schema.d.ts, generated): a path, parameter or
// body the API does not take fails the console's typecheck. Response bodies are typed in
// types.ts (the document describes them in words only).

const TOKEN_KEY = 'rexera.console.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refusal or failure of the API, in the API's own words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const t = token.get();
    if (t) request.headers.set('authorization', `Bearer ${t}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

interface ErrorBody {
  error?: { code?: string; message?: string };
  message?: string;
}

/** The data of an answer, or an ApiError with the API's message (and the status in words). */
export async function unwrap<T>(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'NETWORK', 'The API cannot be reached: check that it runs, then retry.');
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const body = (error ?? {}) as ErrorBody;
  const message =
    body.error?.message ?? body.message ?? `${response.status} ${response.statusText}`.trim();
  if (response.status === 401) token.clear();
  throw new ApiError(response.status, body.error?.code, message);
}
