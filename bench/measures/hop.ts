// Outcome Update -> next dispatch: from the moment the stand-in sends the `taskOutcome`
// Update (COMPLETED) for step N to the moment it receives the dispatch of step N+1. The
// project's PAYOFF and the bare six steps, one workflow at a time, the same stand-in, rounds
// interleaved (the order alternates), medians of the rounds' percentiles.
import { randomUUID } from 'node:crypto';
import {
  completeAll,
  counterpartyAnswers,
  startN8nStandIn,
} from '../../test/helpers/n8n-stand-in.js';
import { historyShape, type HistoryShape } from '../history.js';
import { progress } from '../progress.js';
import { insertRows, PAYOFF_TASK_TYPES, result, startBare, startPayoff } from '../runs.js';
import type { Stack } from '../stack.js';
import { poolAs } from '../stack.js';
import { median, percentile, round, summarize, type Summary } from '../stats.js';

export interface HopResult {
  rounds: { ours: Summary; bare: Summary }[];
  /** Medians over the rounds of each round's p50 and p95 (ms). */
  ours: { p50: number; p95: number };
  bare: { p50: number; p95: number };
  /** Ours by transition (1 = step 1's outcome -> step 2's dispatch), all rounds (ms p50). */
  oursByTransition: number[];
  runsPerRound: number;
  /** One run's history of each (the last), taken one at a time: no contention in its times. */
  history: { ours: HistoryShape; bare: HistoryShape };
  /** A whole run (start -> result), one at a time, all rounds (ms). */
  runMs: { ours: Summary; bare: Summary };
  /** Dispatches beyond one per step (the stand-in could not deliver an outcome: 500, retried). */
  redispatches: number;
}

const STEPS = PAYOFF_TASK_TYPES.length;
const UNUSED_CALLBACK = 'http://127.0.0.1:9/api/task-outcomes';

export async function measureHop(
  stack: Stack,
  opts: { rounds: number; runs: number },
): Promise<HopResult> {
  const bdb = await stack.newDatabase('bench_hop');
  const workerPool = poolAs(bdb, 'worker');
  /** When the outcome Update of each workflow's current step was sent. */
  const sentAt = new Map<string, number>();
  /** How many dispatches each workflow has had (transition index). */
  const seen = new Map<string, number>();
  let sink: { all: number[]; byTransition?: number[][] } | undefined;
  const standIn = await startN8nStandIn(stack.client, async (ctx) => {
    const received = performance.now();
    const id = ctx.dispatch.temporalWorkflowId;
    const previous = sentAt.get(id);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    if (previous !== undefined && sink) {
      sink.all.push(received - previous);
      if (sink.byTransition) (sink.byTransition[n - 1] ??= []).push(received - previous);
    }
    // The lender answers while it is asked (a document Update), as in the current bench.
    await counterpartyAnswers(ctx);
    sentAt.set(id, performance.now());
    return completeAll(ctx);
  });
  const n8n = { webhookUrl: standIn.url, callbackUrl: UNUSED_CALLBACK };
  const oursQueue = `bench-hop-${randomUUID()}`;
  const bareQueue = `bench-hop-bare-${randomUUID()}`;
  const ours = await stack.projectWorker(oursQueue, workerPool, n8n);
  const bare = await stack.bareWorker(bareQueue, n8n);
  const rows = await insertRows(bdb, opts.rounds * opts.runs + 1);

  const runTimes = { ours: [] as number[], bare: [] as number[] };
  const last = { ours: '', bare: '' };
  const runOurs = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      last.ours = await startPayoff(stack, bdb, oursQueue, rows.pop()!);
      await result(stack, last.ours);
      if (sink) runTimes.ours.push(performance.now() - t0);
    }
  };
  const runBare = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      last.bare = await startBare(stack, bareQueue);
      await result(stack, last.bare);
      if (sink) runTimes.bare.push(performance.now() - t0);
    }
  };

  const rounds: HopResult['rounds'] = [];
  const byTransition: number[][] = [];
  try {
    await bare.runUntil(() =>
      ours.runUntil(async () => {
        // One run of each first: caches, JIT and connections warm.
        await runOurs(1);
        await runBare(1);
        for (let r = 0; r < opts.rounds; r++) {
          const oursSamples = { all: [] as number[], byTransition };
          const bareSamples = { all: [] as number[] };
          const legs: [() => Promise<void>, typeof sink][] = [
            [() => runOurs(opts.runs), oursSamples],
            [() => runBare(opts.runs), bareSamples],
          ];
          if (r % 2 === 1) legs.reverse();
          for (const [leg, samples] of legs) {
            sink = samples;
            await leg();
            sink = undefined;
          }
          rounds.push({ ours: summarize(oursSamples.all), bare: summarize(bareSamples.all) });
          progress(
            `hop round ${r + 1}/${opts.rounds}: ours p50 ${rounds.at(-1)!.ours.p50} ms, ` +
              `bare p50 ${rounds.at(-1)!.bare.p50} ms`,
          );
        }
      }),
    );
  } finally {
    await standIn.close();
    await workerPool.end();
    await bdb.close();
  }
  const med = (pick: (r: HopResult['rounds'][number]) => number) => round(median(rounds.map(pick)));
  return {
    rounds,
    ours: { p50: med((r) => r.ours.p50), p95: med((r) => r.ours.p95) },
    bare: { p50: med((r) => r.bare.p50), p95: med((r) => r.bare.p95) },
    oursByTransition: byTransition.map((s) => round(percentile(s, 50))),
    runsPerRound: opts.runs,
    runMs: { ours: summarize(runTimes.ours), bare: summarize(runTimes.bare) },
    history: {
      ours: await historyShape(stack, last.ours),
      bare: await historyShape(stack, last.bare),
    },
    redispatches: standIn.dispatches.length - (opts.rounds * opts.runs + 1) * 2 * STEPS,
  };
}
