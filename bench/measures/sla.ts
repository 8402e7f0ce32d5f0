// SLA alert lateness: how long after a threshold instant its level is written
// (sla_tracking.<level>_recorded_at, the database's clock, minus <level>_at, the threshold).
//
// Ours: N PAYOFF workflows started together with timeScale shrinking the first step's SLA to a
// few seconds; the stand-in takes every dispatch and never reports, so the step stays open past
// BREACHED. (With the per-attempt outcome deadline, a silent attempt is failed and retried
// after expectedDuration + margin, scaled too: at 12.5% of the SLA for PAYOFF, so the retries
// and then the RETRIES_EXHAUSTED escalation happen on the way; the step stays open, its ladder
// runs on, and that work is counted in, as it would be in production.)
//
// The poller: the same kind of rows inserted directly (a RUNNING task, its ACTIVE clock),
// N due at the same instant, in groups whose instants are spread over one poll interval (so
// the poller's phase is sampled, not one lucky or unlucky alignment).
import { randomUUID } from 'node:crypto';
import { startN8nStandIn } from '../../test/helpers/n8n-stand-in.js';
import { getDefinition, latestVersion } from '../../workflows/definitions/index.js';
import { startPoller } from '../baselines/poller.js';
import { progress } from '../progress.js';
import { insertRows, startPayoff } from '../runs.js';
import { poolAs, type BenchDatabase, type Stack } from '../stack.js';
import { round, sleep, summarize, waitFor, type Summary } from '../stats.js';

const LEVELS = ['yellow', 'orange', 'red', 'breached'] as const;

export interface LatenessResult {
  workflows: number;
  /** All levels together (ms). */
  all: Summary;
  byLevel: Record<(typeof LEVELS)[number], Summary>;
  /** How far apart the threshold instants of one level were (max - min of yellow_at, ms). */
  thresholdSpreadMs: number;
}

export interface SlaResult {
  slaSeconds: number;
  timeScale: number;
  ours: LatenessResult & {
    /** Dispatches the parked steps got (first attempts and retries after the outcome deadline). */
    dispatches: number;
    escalations: number;
    /** Where YELLOW's lateness comes from (see yellowParts). */
    yellow: YellowParts;
  };
  poller: LatenessResult & { intervalMs: number; groups: number; ticks: number };
}

/** Lateness of every level of the clocks of these workflows rows (ms). */
async function lateness(bdb: BenchDatabase, rowIds: string[]): Promise<LatenessResult> {
  const { rows } = await bdb.pool.query<Record<string, number | null>>(
    `SELECT ${LEVELS.map(
      (l) => `(extract(epoch FROM ${l}_recorded_at - ${l}_at) * 1000)::float8 AS ${l}`,
    ).join(', ')},
            (extract(epoch FROM yellow_at) * 1000)::float8 AS yellow_threshold
       FROM sla_tracking WHERE workflow_id = ANY($1)`,
    [rowIds],
  );
  const byLevel = Object.fromEntries(
    LEVELS.map((l) => [l, summarize(rows.map((r) => r[l]).filter((v): v is number => v !== null))]),
  ) as LatenessResult['byLevel'];
  const all = rows.flatMap((r) => LEVELS.map((l) => r[l])).filter((v): v is number => v !== null);
  const thresholds = rows.map((r) => r.yellow_threshold!);
  return {
    workflows: rows.length,
    all: summarize(all),
    byLevel,
    thresholdSpreadMs: round(Math.max(...thresholds) - Math.min(...thresholds)),
  };
}

/**
 * YELLOW's lateness in three parts that add up to it, from each workflow's history (ms):
 * - timerStartDelay: the ladder sleeps 60% of the SLA from the clock's start (workflow time,
 *   sla_tracking.started_at), but the server starts that timer only when the workflow task
 *   that asked for it completes, after the local activities it ran;
 * - timerFireDelay: the server firing the timer after its duration;
 * - firedToWritten: the timer fired -> the level's row written (a workflow task, the write).
 */
export interface YellowParts {
  timerStartDelay: Summary;
  timerFireDelay: Summary;
  firedToWritten: Summary;
}

type Time = { seconds?: unknown; nanos?: number | null } | null | undefined;
const msOf = (t: Time) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

async function yellowParts(
  stack: Stack,
  bdb: BenchDatabase,
  workflowIds: string[],
  yellowMs: number,
): Promise<YellowParts> {
  const parts = { start: [] as number[], fire: [] as number[], written: [] as number[] };
  const { rows } = await bdb.pool.query<{ id: string; clock: number; written: number }>(
    `SELECT w.temporal_workflow_id AS id,
            (extract(epoch FROM s.started_at) * 1000)::float8 AS clock,
            (extract(epoch FROM s.yellow_recorded_at) * 1000)::float8 AS written
       FROM sla_tracking s JOIN workflows w ON w.id = s.workflow_id
      WHERE w.temporal_workflow_id = ANY($1)`,
    [workflowIds],
  );
  const clocks = new Map(rows.map((r) => [r.id, r]));
  for (const id of workflowIds) {
    const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    // The YELLOW sleep: the first timer of exactly 60% of the SLA.
    const started = events.find(
      (e) =>
        e.timerStartedEventAttributes &&
        Math.abs(msOf(e.timerStartedEventAttributes.startToFireTimeout) - yellowMs) < 1,
    );
    const fired = events.find(
      (e) =>
        e.timerFiredEventAttributes?.startedEventId?.toString() === started?.eventId?.toString(),
    );
    const clock = clocks.get(id);
    if (!started || !fired || !clock) continue;
    const startedAt = msOf(started.eventTime);
    parts.start.push(startedAt - clock.clock);
    parts.fire.push(msOf(fired.eventTime) - startedAt - yellowMs);
    parts.written.push(clock.written - msOf(fired.eventTime));
  }
  return {
    timerStartDelay: summarize(parts.start),
    timerFireDelay: summarize(parts.fire),
    firedToWritten: summarize(parts.written),
  };
}

async function breachedCount(bdb: BenchDatabase, rowIds: string[]): Promise<number> {
  const { rows } = await bdb.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM sla_tracking
      WHERE workflow_id = ANY($1) AND breached_recorded_at IS NOT NULL`,
    [rowIds],
  );
  return Number(rows[0]!.n);
}

export async function measureSla(
  stack: Stack,
  opts: { workflows: number; slaSeconds: number; pollIntervalMs: number; pollerGroups: number },
): Promise<SlaResult> {
  const firstStepSla = getDefinition('PAYOFF', latestVersion('PAYOFF')).steps[0]!.sla;
  const timeScale = (opts.slaSeconds * 1000) / firstStepSla;
  const ours = await measureOurs(stack, { ...opts, timeScale });
  progress(`SLA lateness, ours: p99 ${ours.all.p99} ms over ${ours.all.n} levels`);
  const poller = await measurePoller(stack, opts);
  progress(`SLA lateness, ${opts.pollIntervalMs / 1000} s poller: p99 ${poller.all.p99} ms`);
  return { slaSeconds: opts.slaSeconds, timeScale, ours, poller };
}

async function measureOurs(
  stack: Stack,
  opts: { workflows: number; slaSeconds: number; timeScale: number },
): Promise<SlaResult['ours']> {
  const bdb = await stack.newDatabase('bench_sla');
  const workerPool = poolAs(bdb, 'worker', 20);
  const standIn = await startN8nStandIn(stack.client, () => ({ status: 'SILENT' }));
  const taskQueue = `bench-sla-${randomUUID()}`;
  const worker = await stack.projectWorker(taskQueue, workerPool, {
    webhookUrl: standIn.url,
    callbackUrl: 'http://127.0.0.1:9/api/task-outcomes',
  });
  const rowIds = await insertRows(bdb, opts.workflows);
  const workflowIds: string[] = [];
  try {
    return await worker.runUntil(async () => {
      workflowIds.push(
        ...(await Promise.all(
          rowIds.map((row) => startPayoff(stack, bdb, taskQueue, row, opts.timeScale)),
        )),
      );
      progress(
        `SLA: ${opts.workflows} PAYOFF workflows parked at step 1, SLA ${opts.slaSeconds} s; waiting for BREACHED`,
      );
      await waitFor(
        `every BREACHED level written`,
        async () => (await breachedCount(bdb, rowIds)) === rowIds.length,
        opts.slaSeconds * 1000 + 120_000,
        200,
      );
      const { rows } = await bdb.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM escalations WHERE workflow_id = ANY($1)',
        [rowIds],
      );
      return {
        ...(await lateness(bdb, rowIds)),
        dispatches: standIn.dispatches.length,
        escalations: Number(rows[0]!.n),
        yellow: await yellowParts(stack, bdb, workflowIds, opts.slaSeconds * 1000 * 0.6),
      };
    });
  } finally {
    // Terminated, not cancelled: nothing more is written for them.
    await Promise.all(
      workflowIds.map((id) =>
        stack.client.workflow
          .getHandle(id)
          .terminate('bench: SLA measured')
          .catch(() => undefined),
      ),
    );
    await standIn.close();
    await workerPool.end();
    await bdb.close();
  }
}

async function measurePoller(
  stack: Stack,
  opts: { workflows: number; slaSeconds: number; pollIntervalMs: number; pollerGroups: number },
): Promise<SlaResult['poller']> {
  const bdb = await stack.newDatabase('bench_sla_poller');
  const pollerPool = poolAs(bdb, 'poller');
  const poller = startPoller(pollerPool, { intervalMs: opts.pollIntervalMs });
  const rowIds: string[] = [];
  try {
    // Start each group a little after a tick, the next a fraction of an interval later.
    await sleep(200);
    const base = Date.now();
    for (let g = 0; g < opts.pollerGroups; g++) {
      const startedAt = base + Math.round((g * opts.pollIntervalMs) / opts.pollerGroups);
      rowIds.push(...(await insertClocks(bdb, opts.workflows, startedAt, opts.slaSeconds)));
    }
    progress(
      `SLA: poller every ${opts.pollIntervalMs / 1000} s over ${opts.pollerGroups} x ${opts.workflows} clocks; waiting for BREACHED`,
    );
    await waitFor(
      'the poller writing every BREACHED level',
      async () => (await breachedCount(bdb, rowIds)) === rowIds.length,
      opts.slaSeconds * 1000 + 3 * opts.pollIntervalMs + 60_000,
      200,
    );
    return {
      ...(await lateness(bdb, rowIds)),
      intervalMs: opts.pollIntervalMs,
      groups: opts.pollerGroups,
      ticks: poller.stats.ticks,
    };
  } finally {
    await poller.stop();
    await pollerPool.end();
    await bdb.close();
  }
}

/**
 * `count` workflows rows, each with a RUNNING agent task and its ACTIVE SLA clock started at
 * `startedAt`, due `slaSeconds` later: what the old design's poller looked at.
 */
export async function insertClocks(
  bdb: BenchDatabase,
  count: number,
  startedAt: number,
  slaSeconds: number,
): Promise<string[]> {
  const rowIds = await insertRows(bdb, count);
  await bdb.pool.query(
    `WITH w AS (SELECT unnest($1::uuid[]) AS id),
          t AS (
            INSERT INTO task_executions
              (workflow_id, step_index, attempt, task_type, title, status, executor_type,
               agent_name, sla_seconds, started_at)
            SELECT id, 0, 1, 'identify_lender_contact', 'Identify lender contact', 'RUNNING',
                   'AI_AGENT', 'Nina', $2::int, to_timestamp($3::float8 / 1000) FROM w
            RETURNING id, workflow_id)
     INSERT INTO sla_tracking (task_execution_id, workflow_id, sla_seconds, started_at, due_at)
     SELECT id, workflow_id, $2::int, to_timestamp($3::float8 / 1000),
            to_timestamp(($3::float8 + $4::float8) / 1000)
       FROM t`,
    [rowIds, Math.max(1, Math.round(slaSeconds)), startedAt, slaSeconds * 1000],
  );
  await bdb.pool.query(
    `UPDATE workflows SET status = 'IN_PROGRESS', started_at = now() WHERE id = ANY($1)`,
    [rowIds],
  );
  return rowIds;
}
