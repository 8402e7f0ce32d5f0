// PAYOFF runs per second, N at once: N workflows started together, the stand-in completing
// every dispatch at once (and the lender's statement sent when it is asked), completed runs
// per second from the first start to the last result. Bare: N bare six-step workflows. Also
// what one run costs: SQL statements (the worker's role, pg_stat_statements) and CPU by process.
import { randomUUID } from 'node:crypto';
import {
  completeAll,
  counterpartyAnswers,
  startN8nStandIn,
} from '../../test/helpers/n8n-stand-in.js';
import { cpuPer, cpuSnapshot } from '../cpu.js';
import { progress } from '../progress.js';
import { insertRows, PAYOFF_TASK_TYPES, result, startBare, startPayoff } from '../runs.js';
import { poolAs, type Stack } from '../stack.js';
import { median, round, summarize, type Summary } from '../stats.js';

export interface ThroughputResult {
  concurrency: number;
  rounds: { ours: number; bare: number; oursRunMs: Summary; bareRunMs: Summary }[];
  /** Median over the rounds (runs per second). */
  ours: number;
  bare: number;
  /** The worker's SQL per PAYOFF run (BEGIN and COMMIT included) and per step. */
  sqlPerRun: number;
  sqlPerStep: number;
  /** CPU ms per run by process (bench = client + stand-in + the in-process worker). */
  cpuMsPerRun: { ours: Record<string, number>; bare: Record<string, number> };
  /** Outcomes that fell back to the Signal (no worker took the Update within 5 s). */
  signalFallbacks: number;
  /** Dispatches beyond one per step (the stand-in could not deliver an outcome: 500, retried). */
  redispatches: number;
}

/** Runs of each before the rounds (caches, connections). */
const WARM_UP = 5;

export async function measureThroughput(
  stack: Stack,
  opts: { rounds: number; concurrency: number },
): Promise<ThroughputResult> {
  const bdb = await stack.newDatabase('bench_throughput');
  const workerPool = poolAs(bdb, 'worker', 20);
  const standIn = await startN8nStandIn(stack.client, async (ctx) => {
    await counterpartyAnswers(ctx);
    return completeAll(ctx);
  });
  const n8n = { webhookUrl: standIn.url, callbackUrl: 'http://127.0.0.1:9/api/task-outcomes' };
  const oursQueue = `bench-tp-${randomUUID()}`;
  const bareQueue = `bench-tp-bare-${randomUUID()}`;
  const ours = await stack.projectWorker(oursQueue, workerPool, n8n);
  const bare = await stack.bareWorker(bareQueue, n8n);
  const n = opts.concurrency;
  let sqlCalls = 0;
  /** CPU ms used by each process during each leg's batches, summed over the rounds. */
  const cpu = { ours: {} as Record<string, number>, bare: {} as Record<string, number> };
  /** Adds the CPU used by fn to the tally of `leg`, across rounds. */
  const tallyCpu = async <T>(leg: 'ours' | 'bare', fn: () => Promise<T>): Promise<T> => {
    const before = cpuSnapshot(stack.cpuPids);
    const out = await fn();
    const after = cpuSnapshot(stack.cpuPids);
    for (const k of Object.keys(after)) {
      cpu[leg][k] = (cpu[leg][k] ?? 0) + after[k]! - before[k]!;
    }
    return out;
  };
  let oursRuns = 0;

  const batch = async (start: () => Promise<string>): Promise<[number, number[]]> => {
    const t0 = performance.now();
    const times = await Promise.all(
      Array.from({ length: n }, async () => {
        const id = await start();
        await result(stack, id);
        return performance.now() - t0;
      }),
    );
    return [n / (Math.max(...times) / 1000), times];
  };
  const oursBatch = async () => {
    const rows = await insertRows(bdb, n);
    const before = await bdb.statements('worker');
    const out = await tallyCpu('ours', () =>
      batch(() => startPayoff(stack, bdb, oursQueue, rows.pop()!)),
    );
    sqlCalls += (await bdb.statements('worker')).calls - before.calls;
    oursRuns += n;
    return out;
  };
  const bareBatch = async () => {
    const out = await tallyCpu('bare', () => batch(() => startBare(stack, bareQueue)));
    return out;
  };

  const rounds: ThroughputResult['rounds'] = [];
  try {
    await bare.runUntil(() =>
      ours.runUntil(async () => {
        // A few runs of each first, to warm caches and connections.
        await Promise.all([
          ...(await insertRows(bdb, WARM_UP)).map(async (row) =>
            result(stack, await startPayoff(stack, bdb, oursQueue, row)),
          ),
          ...Array.from({ length: WARM_UP }, async () =>
            result(stack, await startBare(stack, bareQueue)),
          ),
        ]);
        for (let r = 0; r < opts.rounds; r++) {
          let o: Awaited<ReturnType<typeof oursBatch>>;
          let b: Awaited<ReturnType<typeof bareBatch>>;
          if (r % 2 === 0) {
            o = await oursBatch();
            b = await bareBatch();
          } else {
            b = await bareBatch();
            o = await oursBatch();
          }
          rounds.push({
            ours: round(o[0], 2),
            bare: round(b[0], 2),
            oursRunMs: summarize(o[1]),
            bareRunMs: summarize(b[1]),
          });
          progress(
            `throughput round ${r + 1}/${opts.rounds}: ours ${round(o[0], 1)} runs/s, bare ${round(b[0], 1)} runs/s`,
          );
        }
      }),
    );
  } finally {
    await standIn.close();
    await workerPool.end();
    await bdb.close();
  }
  const signalFallbacks = standIn.answers.filter(
    (a) => 'result' in a && a.result === 'queued',
  ).length;
  return {
    concurrency: n,
    rounds,
    ours: round(median(rounds.map((r) => r.ours)), 2),
    bare: round(median(rounds.map((r) => r.bare)), 2),
    sqlPerRun: round(sqlCalls / oursRuns),
    sqlPerStep: round(sqlCalls / oursRuns / PAYOFF_TASK_TYPES.length),
    signalFallbacks,
    cpuMsPerRun: {
      ours: cpuPer({}, cpu.ours, opts.rounds * n),
      bare: cpuPer({}, cpu.bare, opts.rounds * n),
    },
    redispatches:
      standIn.dispatches.length - (WARM_UP + opts.rounds * n) * 2 * PAYOFF_TASK_TYPES.length,
  };
}
