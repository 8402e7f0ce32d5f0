import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { clients, userProfiles } from '../../../db/schema/index.js';
import { asCaller } from '../../../db/session.js';
import { requireUser, type ApiDeps } from '../context.js';
import { AppError } from '../errors.js';

/** GET /api/me: who the token is (the console shows and offers only what they may do). */
export function authRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/api/me', async (_req, res) => {
    const claims = requireUser(res);
    const [me] = await asCaller(deps.pool, claims, (db) =>
      db
        .select({
          id: userProfiles.id,
          email: userProfiles.email,
          fullName: userProfiles.fullName,
          userType: userProfiles.userType,
          role: userProfiles.role,
          clientId: userProfiles.clientId,
          clientName: clients.name,
        })
        .from(userProfiles)
        .leftJoin(clients, eq(clients.id, userProfiles.clientId))
        .where(eq(userProfiles.id, claims.sub)),
    );
    if (!me) throw new AppError('FORBIDDEN', 'Signed in, but there is no user profile for you');
    res.json(me);
  });
  return router;
}
