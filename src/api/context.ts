import type { Client } from '@temporalio/client';
import type { Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { JwtClaims } from '../../db/session.js';
import { verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './auth/hmac.js';
import type { createJwtVerifier } from './auth/jwt.js';
import { AppError } from './errors.js';

/** Everything the routes need, built once by the entrypoint (or a test). */
export interface ApiDeps {
  pool: pg.Pool;
  temporal: Client;
  verifyJwt: ReturnType<typeof createJwtVerifier>;
  hmac: { secret: string; toleranceSeconds: number };
  taskQueue: string;
  updateTimeoutMs: number;
  /** WORKFLOW_TIME_SCALE: passed to the workflows this API starts (absent: 1). */
  timeScale?: number;
  /** API_REQUEST_TIMEOUT_MS: a request not answered by then gets a 503 (default 15 s). */
  requestTimeoutMs?: number;
  log: (message: string) => void;
}

export type Caller =
  { kind: 'anon' } | { kind: 'user'; claims: JwtClaims & { sub: string } } | { kind: 'n8n' };

export interface RawBodyRequest extends Request {
  rawBody?: Buffer;
}

/** Reads the bearer token if there is one; no token is an anonymous caller, a bad one a 401. */
export function authenticate(deps: ApiDeps): RequestHandler {
  return (req, res, next) => {
    // EventSource cannot send headers: the SSE endpoint takes the token as ?access_token=.
    const queryToken = req.path.endsWith('/events') ? req.query.access_token : undefined;
    const header =
      req.headers.authorization ??
      (typeof queryToken === 'string' ? `Bearer ${queryToken}` : undefined);
    if (!header) {
      res.locals.caller = { kind: 'anon' } satisfies Caller;
      next();
      return;
    }
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) {
      next(new AppError('UNAUTHENTICATED', 'Authorization must be "Bearer <jwt>"'));
      return;
    }
    deps.verifyJwt(match[1]!).then(
      (claims) => {
        res.locals.caller = { kind: 'user', claims } satisfies Caller;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

function callerOf(res: Response): Caller {
  return (res.locals.caller as Caller | undefined) ?? { kind: 'anon' };
}

/** The signed-in user's claims, or a 401. */
export function requireUser(res: Response): JwtClaims & { sub: string } {
  const caller = callerOf(res);
  if (caller.kind !== 'user')
    throw new AppError('UNAUTHENTICATED', 'Sign in: Authorization: Bearer <jwt> is required');
  return caller.claims;
}

/** Only n8n's signed callbacks pass (HMAC of the raw body with the shared secret). */
export function signedByN8n(deps: ApiDeps): RequestHandler {
  return (req: RawBodyRequest, res, next) => {
    verifySignature({
      secret: deps.hmac.secret,
      rawBody: req.rawBody ?? Buffer.alloc(0),
      timestampHeader: req.header(TIMESTAMP_HEADER),
      signatureHeader: req.header(SIGNATURE_HEADER),
      toleranceSeconds: deps.hmac.toleranceSeconds,
    });
    res.locals.caller = { kind: 'n8n' } satisfies Caller;
    next();
  };
}
