// Starting the workflows the measures drive: PAYOFF rows through the project's own start path,
// and the bare baseline's six steps.
import { randomUUID } from 'node:crypto';
import { workflows } from '../db/schema/index.js';
import { newWorkflowIdentity, startBusinessWorkflow } from '../src/clients/business-workflows.js';
import { getDefinition, latestVersion, type WorkflowType } from '../workflows/definitions/index.js';
import type { Stack, BenchDatabase } from './stack.js';
import { bareStepsWorkflow } from './baselines/bare-workflows.js';

/** PAYOFF's six task types: the bare baseline runs the same steps. */
export const PAYOFF_TASK_TYPES = getDefinition('PAYOFF', latestVersion('PAYOFF')).steps.map(
  (s) => s.taskType,
);

/** Inserts `count` workflows rows (as the API does) in one statement; returns their IDs. */
export async function insertRows(
  bdb: BenchDatabase,
  count: number,
  type: WorkflowType = 'PAYOFF',
): Promise<string[]> {
  const rows = await bdb.db
    .insert(workflows)
    .values(
      Array.from({ length: count }, (_, i) => ({
        ...newWorkflowIdentity(type),
        workflowType: type,
        clientId: bdb.orgId,
        title: `Bench ${type} ${i}`,
        metadata: { propertyAddress: `${i} Elm St, Springfield`, loanNumber: `LN-${i}` },
      })),
    )
    .returning({ id: workflows.id });
  return rows.map((r) => r.id);
}

/** Inserts many rows in chunks (a statement has at most 65535 parameters). */
export async function insertManyRows(bdb: BenchDatabase, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += 2000) {
    ids.push(...(await insertRows(bdb, Math.min(2000, count - done))));
  }
  return ids;
}

/** Starts a business workflow the way the API does; returns its Temporal workflow ID. */
export async function startPayoff(
  stack: Stack,
  bdb: BenchDatabase,
  taskQueue: string,
  rowId: string,
  timeScale?: number,
): Promise<string> {
  const { workflowId } = await startBusinessWorkflow(
    { db: bdb.db, client: stack.client, taskQueue },
    rowId,
    timeScale === undefined ? {} : { timeScale },
  );
  return workflowId;
}

export async function startBare(stack: Stack, taskQueue: string): Promise<string> {
  const workflowId = `bare-${randomUUID()}`;
  await stack.client.workflow.start(bareStepsWorkflow, {
    taskQueue,
    workflowId,
    args: [{ taskTypes: PAYOFF_TASK_TYPES }],
  });
  return workflowId;
}

export function result(stack: Stack, workflowId: string): Promise<unknown> {
  return stack.client.workflow.getHandle(workflowId).result();
}

/** Task executions of these rows in a status (how many have parked, for instance). */
export async function countTasks(bdb: BenchDatabase, status: string): Promise<number> {
  const { rows } = await bdb.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM task_executions WHERE status = $1',
    [status],
  );
  return Number(rows[0]!.n);
}
