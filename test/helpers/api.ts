import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { inject } from 'vitest';
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/api/auth/hmac.js';
import { mintToken } from '../../src/api/auth/jwt.js';
import { startApi, type ApiSettings } from '../../src/api/server.js';
import { createLogger } from '../../src/log.js';
import { getFreePort } from '../../src/dev/ports.js';

/** Secrets made for this test run only. */
export const TEST_SECRETS = {
  jwtSecret: randomBytes(32).toString('base64url'),
  n8nHmacSecret: randomBytes(32).toString('base64url'),
};

/** The real API on a free port, against a test database and the run's Temporal server. */
export async function startTestApi(overrides: Partial<ApiSettings> & { databaseUrl: string }) {
  const port = overrides.port ?? (await getFreePort());
  const api = await startApi({
    temporalAddress: inject('temporalAddress'),
    namespace: 'default',
    taskQueue: 'unused',
    port,
    host: '127.0.0.1',
    jwtSecret: TEST_SECRETS.jwtSecret,
    n8nHmacSecret: TEST_SECRETS.n8nHmacSecret,
    hmacToleranceSeconds: 300,
    updateTimeoutMs: 5_000,
    // A line per request would drown the tests' output: warnings and errors only.
    logger: createLogger('api', { level: 'warn' }),
    ...overrides,
  });
  return { ...api, url: `http://127.0.0.1:${port}` };
}

export const tokenFor = (userId: string) => mintToken(TEST_SECRETS.jwtSecret, { sub: userId });

/** Headers of a callback signed as n8n signs it (timestamp overridable, for replay tests). */
export function signedHeaders(
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
  secret = TEST_SECRETS.n8nHmacSecret,
) {
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: sign(secret, timestamp, body),
  };
}

/** fetch with JSON in and out. */
export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return {
    status: res.status,
    body: json as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

/**
 * An open server-sent event stream (`url` is the stream's whole URL): what it has received so
 * far, whether the server ended it, and `close()`.
 */
export function openEventStream(url: string, token: string) {
  const seen = { text: '', ended: false, close: () => undefined as void };
  const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (seen.text += chunk));
    res.on('end', () => (seen.ended = true));
  });
  req.on('error', () => undefined);
  seen.close = () => void req.destroy();
  return seen;
}
