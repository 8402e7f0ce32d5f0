import { describe, expect, it } from 'vitest';
import { withFault } from './scenario.js';
import { useFaultStack } from './stack.js';

// Each test: a batch of 20 workflows (PAYOFF, MUNICIPAL_LIEN_SEARCH, HOA_ACQUISITION, their
// documents posted signed by the counterparties), one fault injected into a real process
// mid-batch, then every table checked: all 20 completed, no row lost or written twice, one
// audit event per transition, and the API answered every request, 503 while a dependency was
// down, never a 500, never a hang. Time runs 60 times faster (WORKFLOW_TIME_SCALE): an agent's
// outcome deadline of 30 minutes is 30 s here, its SLA of 4 hours 4 minutes.
// This file: our own processes (worker, API) and PostgreSQL; servers.test.ts: Temporal, n8n.

const stack = useFaultStack();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults in our processes and PostgreSQL, mid-batch', () => {
  it('the worker SIGKILLed, then SIGTERMed twice, 5 s apart', { timeout: 420_000 }, async () => {
    await withFault(stack, 'worker SIGKILL + 2 SIGTERMs 5 s apart', async () => {
      await stack().worker.kill('SIGKILL');
      await sleep(2_000);
      await stack().worker.start();
      for (let i = 0; i < 2; i++) {
        await sleep(5_000);
        await stack().worker.kill('SIGTERM');
        await stack().worker.start();
      }
    });
  });

  it(
    'the API SIGKILLed while n8n calls back, up again 10 s later',
    { timeout: 420_000 },
    async () => {
      const answers = await withFault(stack, 'API SIGKILL for 10 s', async () => {
        await stack().api.kill('SIGKILL');
        await sleep(10_000);
        await stack().api.start();
      });
      // Meanwhile nothing answered (connection refused), and nothing was lost for it.
      expect(answers.some((a) => a.status === 'network error')).toBe(true);
    },
  );

  it(
    'PostgreSQL frozen (SIGSTOP) for 20 s, then stopped for 30 s',
    { timeout: 480_000 },
    async () => {
      const answers = await withFault(stack, 'PostgreSQL frozen 20 s, stopped 30 s', async () => {
        stack().postgres.freeze();
        await sleep(20_000);
        stack().postgres.thaw();
        await sleep(3_000);
        await stack().postgres.stop();
        await sleep(30_000);
        await stack().postgres.start();
      });
      expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    },
  );

  it(
    'PostgreSQL crashed (SIGKILL of the server and its backends), restarted 10 s later',
    { timeout: 420_000 },
    async () => {
      await withFault(stack, 'PostgreSQL crash', async () => {
        await stack().postgres.crash();
        await sleep(10_000);
        await stack().postgres.start();
      });
    },
  );
});
