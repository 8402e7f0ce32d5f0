import { Router } from 'express';
import { mintToken } from '../auth/jwt.js';
import { requireUser, type ApiDeps } from '../context.js';
import { AppError, parseRequest } from '../errors.js';
import { DEMO_USERS, ensureDemoUsers } from './demo-users.js';
import { createWorkflow } from '../workflows/service.js';
import { devLoginBody } from './schemas.js';

/**
 * The console's dev login, mounted only with DEV_LOGIN (`npm start` on the embedded
 * defaults; refused in production): the demo users, and a 12-hour token for any of them.
 */
export function devRouter(
  deps: ApiDeps,
  dev: { jwtSecret: string; agentSimulatorUrl?: string },
): Router {
  const { jwtSecret } = dev;
  const router = Router();
  let ready: Promise<void> | undefined;
  const demoUsers = () => {
    ready ??= ensureDemoUsers(deps.pool).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };

  router.get('/api/dev/users', async (_req, res) => {
    await demoUsers();
    res.json({
      items: DEMO_USERS.map(({ id, name, email, role, userType }) => ({
        id,
        name,
        email,
        role,
        userType,
      })),
    });
  });

  router.post('/api/dev/login', async (req, res) => {
    const { userId } = parseRequest(devLoginBody, req.body, 'body');
    const user = DEMO_USERS.find((u) => u.id === userId);
    if (!user) {
      throw new AppError('UNPROCESSABLE', `body.userId: ${userId} is not one of the demo users`);
    }
    await demoUsers();
    const token = await mintToken(jwtSecret, { sub: user.id }, '12h');
    res.json({
      token,
      user: { id: user.id, name: user.name, role: user.role, userType: user.userType },
    });
  });

  /**
   * A payoff request for the demo organisation whose first agent asks for a person: the
   * agent simulator is told so (once) just before the workflow starts. Something to resolve.
   */
  router.post('/api/dev/demo-escalation', async (_req, res) => {
    requireUser(res);
    if (!dev.agentSimulatorUrl) {
      throw new AppError('NOT_FOUND', 'No agent simulator here: start the stack with `npm start`');
    }
    await demoUsers();
    const rule = await fetch(`${dev.agentSimulatorUrl}/control/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        taskType: 'identify_lender_contact',
        behaviour: 'needs-human',
        times: 1,
      }),
    }).catch(() => undefined);
    if (!rule?.ok)
      throw new AppError('DEPENDENCY_UNAVAILABLE', 'The agent simulator does not answer');
    const client = DEMO_USERS.find((u) => u.key === 'client')!;
    const result = await createWorkflow(
      deps,
      { sub: client.id, role: 'authenticated' },
      {
        workflowType: 'PAYOFF',
        title: `Demo payoff, ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
        priority: 'NORMAL',
        metadata: { propertyAddress: '12 Elm St, Springfield', loanNumber: 'LN-DEMO' },
      },
      undefined,
    );
    res.status(201).json({ workflowId: result.workflow.id });
  });

  return router;
}
