// The scale probe (`--scale`): 10,000 PAYOFF workflows parked on one real worker process with
// the default bounds, RSS over time, the start rate and how fast they park.
import { randomUUID } from 'node:crypto';
import { park, sampler, silentStandIn, spawnWorker, workerEnv, type Sample } from '../parking.js';
import { progress } from '../progress.js';
import type { Stack } from '../stack.js';
import { round, sleep } from '../stats.js';

export interface ScaleResult {
  parked: number;
  maxCachedWorkflows: number;
  startRate: number;
  /** Workflows parked per second, from the first start to the last dispatch. */
  parkRate: number;
  /** After a forced full GC (MB), and as sampled just before it. */
  rssAt0: number;
  rssAtAll: number;
  rssBeforeGc: number;
  cpuMsPerWorkflow: Record<string, number>;
  peakMb: number;
  samples: Sample[];
}

export async function measureScale(stack: Stack, opts: { parked: number }): Promise<ScaleResult> {
  const bdb = await stack.newDatabase('bench_scale');
  const standIn = await silentStandIn(stack);
  const taskQueue = `bench-scale-${randomUUID()}`;
  const maxCached = stack.limits.maxCachedWorkflows ?? 500;
  progress(
    `scale: worker process, WORKER_MAX_CACHED_WORKFLOWS=${maxCached}, ${opts.parked} to park`,
  );
  const worker = await spawnWorker(
    'project',
    workerEnv(stack, {
      databaseUrl: bdb.urlAs('worker'),
      webhookUrl: standIn.url,
      taskQueue,
      maxCached,
    }),
  );
  try {
    await sleep(2000);
    const rssAt0 = (await worker.afterGc()).rssMb;
    const tally = { started: 0 };
    let lastReport = 0;
    const sampling = sampler(
      worker,
      () => ({ started: tally.started, parked: standIn.dispatches.length }),
      2000,
      (s) => {
        if (s.t - lastReport < 10) return;
        lastReport = s.t;
        progress(`scale: ${s.t} s, ${s.started} started, ${s.parked} parked, RSS ${s.rssMb} MB`);
      },
    );
    const parked = await park(
      stack,
      'project',
      bdb,
      taskQueue,
      opts.parked,
      () => standIn.dispatches.length,
      tally,
      worker,
    );
    const rssBeforeGc = worker.rssMb();
    const rssAtAll = (await worker.afterGc()).rssMb;
    sampling.stop();
    return {
      parked: opts.parked,
      maxCachedWorkflows: maxCached,
      startRate: parked.startRate,
      parkRate: round(opts.parked / parked.seconds),
      rssAt0,
      rssAtAll,
      rssBeforeGc,
      cpuMsPerWorkflow: parked.cpuMsPerWorkflow,
      peakMb: worker.peakMb(),
      samples: sampling.samples,
    };
  } finally {
    await worker.proc.stop();
    await standIn.close();
    await bdb.close();
  }
}
