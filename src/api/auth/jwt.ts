import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { JwtClaims } from '../../../db/session.js';
import { unstorable } from '../../../workflows/storable.js';
import { AppError } from '../errors.js';

/** The claims we rely on, as Supabase issues them; anything else is passed on untouched. */
const claimsSchema = z.looseObject({
  sub: z.uuid(),
  role: z.enum(['authenticated', 'service_role']),
  app_metadata: z
    .looseObject({ organisation_id: z.uuid().optional(), app_role: z.string().optional() })
    .optional(),
});

/** Verifies `Authorization: Bearer <jwt>` tokens (HS256 with the project secret). */
export function createJwtVerifier(secret: string) {
  const key = new TextEncoder().encode(secret);
  return async (token: string): Promise<JwtClaims & { sub: string }> => {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'] }));
    } catch (err) {
      const why =
        err instanceof errors.JWTExpired
          ? 'token expired'
          : err instanceof errors.JWSSignatureVerificationFailed
            ? 'bad signature'
            : 'invalid token';
      throw new AppError('UNAUTHENTICATED', `Authorization: ${why}`);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new AppError(
        'UNAUTHENTICATED',
        `Authorization: token claims ${claims.error.issues.map((i) => i.path.join('.')).join(', ')} are missing or invalid`,
      );
    }
    // The claims go to PostgreSQL (request.jwt.claims, read as jsonb by RLS): a string it
    // refuses (a NUL, a lone surrogate, in user_metadata say) would fail every query.
    const bad = unstorable(claims.data);
    if (bad) {
      throw new AppError(
        'UNAUTHENTICATED',
        `Authorization: token claim ${bad.path.join('.')} ${bad.message}`,
      );
    }
    return claims.data;
  };
}

/** Mints a token like Supabase's (for `npm run token`, the README's curl session and tests). */
export async function mintToken(
  secret: string,
  claims: {
    sub: string;
    role?: 'authenticated' | 'service_role';
    app_metadata?: Record<string, unknown>;
  },
  expiresIn = '1h',
): Promise<string> {
  return new SignJWT({ role: 'authenticated', aud: 'authenticated', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
