import { expect } from 'vitest';
import {
  badAnswers,
  checkRows,
  probeApi,
  startBatch,
  type Answer,
  type BatchTarget,
} from './batch.js';
import { progress } from './stack.js';
import { record } from './summary.js';

/** The size of every batch (the table: "20 of 20, 0 lost, 0 duplicated"). */
export const BATCH = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until `n` task executions of the batch have completed: the batch is well under way. */
async function underWay(target: BatchTarget, ids: { id: string }[], n = 8) {
  for (;;) {
    const { rows } = await target.pool
      .query<{ n: string }>(
        `SELECT count(*) AS n FROM task_executions
          WHERE status = 'COMPLETED' AND workflow_id = ANY($1::uuid[])`,
        [ids.map((x) => x.id)],
      )
      .catch(() => ({ rows: [{ n: '0' }] }));
    if (Number(rows[0]!.n) >= n) return;
    await sleep(200);
  }
}

/**
 * Runs a batch, injects `fault` once it is under way (a client probing the API meanwhile),
 * then checks everything: all completed, no row lost or written twice, one audit event per
 * transition, no 500 and no hang. Returns the probe's answers for fault-specific checks.
 */
export async function withFault(
  target: () => BatchTarget,
  name: string,
  fault: (batch: { id: string }[]) => Promise<void>,
): Promise<Answer[]> {
  progress(`${name}: starting a batch of ${BATCH}`);
  const batch = startBatch(target(), BATCH);
  await batch.created;
  await underWay(target(), batch.ids);
  progress(`${name}: injecting the fault`);
  const probe = probeApi(target());
  try {
    await fault(batch.ids);
  } finally {
    await probe.stop();
  }
  progress(`${name}: fault over, waiting for the batch`);
  let unfinished: Error | undefined;
  try {
    // The workflows the probe created during the fault must complete too.
    await batch.allCompleted(probe.created);
  } catch (err) {
    unfinished = err instanceof Error ? err : new Error(String(err));
  }
  await batch.stop();
  const all = [...batch.ids, ...probe.created];
  const problems = await checkRows(target(), all);
  const answers = [...batch.answers, ...probe.answers];
  const bad = badAnswers(answers);
  const { rows } = await target().pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM workflows WHERE status = 'COMPLETED' AND id = ANY($1::uuid[])`,
    [all.map((x) => x.id)],
  );
  const retried = await target().pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM task_executions
      WHERE error_message LIKE 'No outcome from the agent%' AND workflow_id = ANY($1::uuid[])`,
    [all.map((x) => x.id)],
  );
  record(name, {
    lostAttemptsRetried: Number(retried.rows[0]!.n),
    workflows: all.length,
    completed: Number(rows[0]!.n),
    problems,
    badAnswers: bad,
    answers503: answers.filter((a) => a.status === 503).length,
  });
  if (problems.length > 0) {
    progress(`${name}: ${problems.length} problems:\n${problems.slice(0, 40).join('\n')}`);
  }
  // The unfinished workflows' description (what Temporal says of them) first, then the rows.
  if (unfinished) throw unfinished;
  expect(problems).toEqual([]);
  expect(bad).toEqual([]);
  return probe.answers;
}
