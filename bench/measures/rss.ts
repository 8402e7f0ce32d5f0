// Worker RSS with parked workflows, and the idle cost.
//
// The real worker (src/worker.ts as its own process) with a cache that holds every parked
// workflow, then with a small one, then the bare worker; PAYOFF workflows park at step 1 (the
// stand-in takes the dispatch and never reports; at timeScale 1 the outcome deadline is far
// away). RSS is sampled from /proc/<pid>/status every second while they park, and read after
// a forced full GC in every thread (gc-hook.mjs) at 0, half and all parked, beside the
// workflow thread's V8 heap. Per cached workflow = (after-GC value at all parked - at 0) /
// min(parked, cache). Bounded: while the second half parks, the small-cache worker's workflow
// heap grows by less than a quarter of what the large-cache worker's grows per workflow (RSS
// growth is shown too: it also counts pages V8 and the allocator keep after a GC).
//
// Idle cost, with `idleParked` parked and the worker idle: the worker role's SQL statements
// (pg_stat_statements) over `idleSeconds`, per minute; beside it, over the same window, the
// 5 s poller polling the same rows (its own role).
import { randomUUID } from 'node:crypto';
import { startPoller } from '../baselines/poller.js';
import {
  park,
  sampler,
  silentStandIn,
  spawnWorker,
  workerEnv,
  type ParkResult,
  type Sample,
  type WorkerKind,
} from '../parking.js';
import { progress } from '../progress.js';
import { poolAs, type BenchDatabase, type Stack } from '../stack.js';
import { round, sleep } from '../stats.js';

/**
 * Memory after a forced full GC in every thread (MB): RSS from /proc, the V8 heap in use in
 * the main thread (activities, SDK) and in the workflow thread (the cached workflows).
 */
export interface Memory {
  rssMb: number;
  mainHeapMb: number;
  workflowHeapMb: number;
}

export interface RssVariant {
  kind: WorkerKind;
  maxCachedWorkflows: number;
  parkedFirst: number;
  parkedAll: number;
  /** After a full GC: at 0 parked, after the first part, after all. */
  at0: Memory;
  atFirst: Memory;
  atAll: Memory;
  /** RSS as sampled just before that GC, at all parked (what garbage adds). */
  rssBeforeGcMb: number;
  peakMb: number;
  /** (atAll - at0) / min(parkedAll, cache), KB: RSS, and the workflow thread's V8 heap. */
  perCachedKb: number;
  workflowHeapPerCachedKb: number;
  parks: ParkResult[];
  /** RSS over time as sampled (no forced GC), every second. */
  samples: Sample[];
}

export interface IdleResult {
  parked: number;
  seconds: number;
  ours: { statementsPerMinute: number; rowsPerMinute: number };
  poller: { statementsPerMinute: number; rowsPerMinute: number; ticks: number };
}

export interface RssResult {
  large: RssVariant;
  small: RssVariant;
  bare?: RssVariant;
  idle: IdleResult;
  /**
   * Growth per workflow parked while the second half parked, small cache over large cache
   * (the large one keeps every workflow; a bounded cache should stay flat): of the workflow
   * thread's live heap (the criterion: RSS also keeps pages V8 or the allocator hold on to),
   * and of RSS.
   */
  boundedRatio: number;
  rssGrowthRatio: number;
}

async function variant(
  stack: Stack,
  bdb: BenchDatabase,
  kind: WorkerKind,
  opts: {
    maxCached: number;
    first: number;
    all: number;
    afterFirst?: () => Promise<void>;
  },
): Promise<RssVariant> {
  const standIn = await silentStandIn(stack);
  const taskQueue = `bench-rss-${kind}-${randomUUID()}`;
  progress(`RSS: ${kind} worker process, WORKER_MAX_CACHED_WORKFLOWS=${opts.maxCached}`);
  const worker = await spawnWorker(
    kind,
    workerEnv(stack, {
      databaseUrl: bdb.urlAs('worker'),
      webhookUrl: standIn.url,
      taskQueue,
      maxCached: opts.maxCached,
    }),
  );
  const tally = { started: 0 };
  const dispatched = () => standIn.dispatches.length;
  try {
    await sleep(2000);
    const memory = () => worker.afterGc();
    const at0 = await memory();
    const sampling = sampler(
      worker,
      () => ({ started: tally.started, parked: dispatched() }),
      1000,
    );
    const parkOn = (count: number) =>
      park(stack, kind, bdb, taskQueue, count, dispatched, tally, worker);
    const parks = [await parkOn(opts.first)];
    const atFirst = await memory();
    await opts.afterFirst?.();
    if (opts.all > opts.first) parks.push(await parkOn(opts.all - opts.first));
    const rssBeforeGcMb = worker.rssMb();
    const atAll = await memory();
    sampling.stop();
    const cached = Math.min(opts.all, opts.maxCached);
    const perCached = (key: keyof Memory) => round(((atAll[key] - at0[key]) * 1024) / cached);
    const result: RssVariant = {
      kind,
      maxCachedWorkflows: opts.maxCached,
      parkedFirst: opts.first,
      parkedAll: opts.all,
      at0,
      atFirst,
      atAll,
      rssBeforeGcMb,
      peakMb: worker.peakMb(),
      perCachedKb: perCached('rssMb'),
      workflowHeapPerCachedKb: perCached('workflowHeapMb'),
      parks,
      samples: sampling.samples,
    };
    progress(
      `RSS ${kind}, cache ${opts.maxCached} (after GC): ${at0.rssMb} MB at 0, ` +
        `${atFirst.rssMb} MB at ${opts.first}, ${atAll.rssMb} MB at ${opts.all} parked ` +
        `(${rssBeforeGcMb} MB before that GC; workflow heap ${at0.workflowHeapMb} -> ${atAll.workflowHeapMb} MB)`,
    );
    return result;
  } finally {
    await worker.proc.stop();
    await standIn.close();
  }
}

export async function measureRss(
  stack: Stack,
  opts: {
    parked: number;
    idleParked: number;
    idleSeconds: number;
    smallCache: number;
    smallParked: number;
    largeCache: number;
    bareParked: number;
    pollIntervalMs: number;
    bare: boolean;
  },
): Promise<RssResult> {
  const bdb = await stack.newDatabase('bench_rss');
  const otherDb = await stack.newDatabase('bench_rss_small');
  let idle: IdleResult | undefined;
  let small: RssVariant | undefined;
  let bare: RssVariant | undefined;
  try {
    const large = await variant(stack, bdb, 'project', {
      maxCached: opts.largeCache,
      first: opts.idleParked,
      all: opts.parked,
      // While this worker idles (its database sees only the poller), the small-cache worker
      // and the bare one run on another database and task queues: the window costs no time.
      afterFirst: async () => {
        [idle] = await Promise.all([
          idleWindow(bdb, opts),
          (async () => {
            small = await variant(stack, otherDb, 'project', {
              maxCached: opts.smallCache,
              first: Math.round(opts.smallParked / 2),
              all: opts.smallParked,
            });
            if (opts.bare) {
              bare = await variant(stack, otherDb, 'bare', {
                maxCached: opts.largeCache,
                first: Math.round(opts.bareParked / 2),
                all: opts.bareParked,
              });
            }
          })(),
        ]);
      },
    });
    const growth = (v: RssVariant, key: keyof Memory) =>
      (v.atAll[key] - v.atFirst[key]) / (v.parkedAll - v.parkedFirst);
    const ratio = (key: keyof Memory) =>
      round(growth(small!, key) / Math.max(1e-6, growth(large, key)), 2);
    return {
      large,
      small: small!,
      bare,
      idle: idle!,
      boundedRatio: ratio('workflowHeapMb'),
      rssGrowthRatio: ratio('rssMb'),
    };
  } finally {
    await otherDb.close();
    await bdb.close();
  }
}

/**
 * The idle window: the worker has `parked` parked workflows and nothing to do. Its role's
 * statements are counted, and the poller runs over the same rows under its own role.
 */
async function idleWindow(
  bdb: BenchDatabase,
  opts: { idleParked: number; idleSeconds: number; pollIntervalMs: number },
): Promise<IdleResult> {
  progress(
    `idle cost: ${opts.idleParked} parked, counting SQL for ${opts.idleSeconds} s (the poller polls the same rows)`,
  );
  const pollerPool = poolAs(bdb, 'poller');
  const before = { ours: await bdb.statements('worker'), poller: await bdb.statements('poller') };
  const poller = startPoller(pollerPool, { intervalMs: opts.pollIntervalMs });
  await sleep(opts.idleSeconds * 1000);
  await poller.stop();
  await pollerPool.end();
  const after = { ours: await bdb.statements('worker'), poller: await bdb.statements('poller') };
  const perMinute = (n: number) => round((n * 60) / opts.idleSeconds, 1);
  const result: IdleResult = {
    parked: opts.idleParked,
    seconds: opts.idleSeconds,
    ours: {
      statementsPerMinute: perMinute(after.ours.calls - before.ours.calls),
      rowsPerMinute: perMinute(after.ours.rows - before.ours.rows),
    },
    poller: {
      statementsPerMinute: perMinute(after.poller.calls - before.poller.calls),
      rowsPerMinute: perMinute(after.poller.rows - before.poller.rows),
      ticks: poller.stats.ticks,
    },
  };
  progress(
    `idle cost: ours ${result.ours.statementsPerMinute} statements/min, poller ${result.poller.statementsPerMinute} statements/min (${result.poller.rowsPerMinute} rows/min)`,
  );
  return result;
}
