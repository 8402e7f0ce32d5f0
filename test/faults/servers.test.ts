import { describe, expect, it } from 'vitest';
import { withFault } from './scenario.js';
import { useFaultStack } from './stack.js';

// Each test: a batch of 20 workflows (PAYOFF, MUNICIPAL_LIEN_SEARCH, HOA_ACQUISITION, their
// documents posted signed by the counterparties), one fault injected into a real process
// mid-batch, then every table checked: all 20 completed, no row lost or written twice, one
// audit event per transition, and the API answered every request, 503 while a dependency was
// down, never a 500, never a hang. Time runs 60 times faster (WORKFLOW_TIME_SCALE): an agent's
// outcome deadline of 30 minutes is 30 s here, its SLA of 4 hours 4 minutes.
// This file: the Temporal dev server and n8n; processes.test.ts: our processes, PostgreSQL.

const stack = useFaultStack();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults in Temporal and n8n, mid-batch', () => {
  it(
    'the Temporal dev server SIGKILLed, restarted 15 s later on its file',
    { timeout: 480_000 },
    async () => {
      const answers = await withFault(stack, 'Temporal SIGKILL for 15 s', async () => {
        await stack().temporal.kill();
        await sleep(15_000);
        await stack().temporal.start();
      });
      expect(answers.filter((a) => a.what === 'create' && a.status === 503).length).toBeGreaterThan(
        0,
      );
    },
  );

  it('n8n SIGKILLed, restarted after 10 s', { timeout: 480_000 }, async () => {
    await withFault(stack, 'n8n SIGKILL for 10 s', async () => {
      await stack().n8n.kill('SIGKILL');
      await sleep(10_000);
      await stack().n8n.start();
    });
  });

  it('n8n stopped gracefully (SIGTERM), started again', { timeout: 480_000 }, async () => {
    await withFault(stack, 'n8n SIGTERM, then started', async () => {
      await stack().n8n.stop();
      await sleep(5_000);
      await stack().n8n.start();
    });
  });

  it('n8n answering 500 for 20 s', { timeout: 420_000 }, async () => {
    await withFault(stack, 'n8n answering 500 for 20 s', async () => {
      stack().proxy.setFailing(true);
      await sleep(20_000);
      stack().proxy.setFailing(false);
    });
  });
});
