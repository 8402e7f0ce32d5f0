import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

export const SIGNATURE_HEADER = 'x-rexera-signature';
export const TIMESTAMP_HEADER = 'x-rexera-timestamp';

/** `sha256=<hex>` of HMAC-SHA256(secret, "<unix seconds>.<raw body>"). */
export function sign(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * Checks a callback's signature and its timestamp: a wrong signature or one older (or newer)
 * than the tolerance is refused, so a captured request cannot be replayed later.
 */
export function verifySignature(opts: {
  secret: string;
  rawBody: Buffer;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  toleranceSeconds: number;
  nowMs?: number;
}): void {
  const { timestampHeader, signatureHeader } = opts;
  if (!timestampHeader || !signatureHeader) {
    throw new AppError(
      'UNAUTHENTICATED',
      `Headers ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} are required`,
    );
  }
  if (!/^\d{1,12}$/.test(timestampHeader)) {
    throw new AppError('UNAUTHENTICATED', `${TIMESTAMP_HEADER} must be Unix seconds`);
  }
  const timestamp = Number(timestampHeader);
  const age = Math.abs((opts.nowMs ?? Date.now()) / 1000 - timestamp);
  if (age > opts.toleranceSeconds) {
    throw new AppError(
      'UNAUTHENTICATED',
      `${TIMESTAMP_HEADER} is ${Math.round(age)} s away from now (at most ${opts.toleranceSeconds})`,
    );
  }
  const expected = Buffer.from(sign(opts.secret, timestamp, opts.rawBody));
  const given = Buffer.from(signatureHeader);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new AppError('UNAUTHENTICATED', `${SIGNATURE_HEADER} does not match the body`);
  }
}
