import { z } from 'zod';

/** Whom the dev login signs in: one of the demo users. */
export const devLoginBody = z.strictObject({ userId: z.uuid() });
