// Worker processes with parked workflows: src/worker.ts (or the bare worker) spawned as a
// process of its own so its RSS can be read from /proc, workflows parked on it at a bounded
// start concurrency, and RSS sampled over time.
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { startProcess, type ManagedProcess } from '../src/dev/process.js';
import { startN8nStandIn } from '../test/helpers/n8n-stand-in.js';
import { cpuPer, cpuSnapshot, processCpuMs } from './cpu.js';
import { processMemory } from './machine.js';
import { progress } from './progress.js';
import { insertManyRows, startBare, startPayoff } from './runs.js';
import type { BenchDatabase, Stack } from './stack.js';
import { mapLimit, round, sleep, waitFor } from './stats.js';

const GC_HOOK = path.join(PROJECT_ROOT, 'bench', 'gc-hook.mjs');
const ENTRY = {
  project: path.join(PROJECT_ROOT, 'src', 'worker.ts'),
  bare: path.join(PROJECT_ROOT, 'bench', 'baselines', 'bare-worker.ts'),
};
export type WorkerKind = keyof typeof ENTRY;

/** After the last dispatch, the last workflow tasks (dispatch completed) still run. */
export const SETTLE_MS = 4000;

/** Parking fails when no workflow has parked for this long. */
const STALL_MS = 120_000;

/** Client starts in flight while parking (the start rate is measured at this concurrency). */
export const START_CONCURRENCY = 20;

export interface WorkerProcess {
  proc: ManagedProcess;
  /** RSS in MB now. */
  rssMb(): number;
  /** Peak RSS (VmHWM) in MB. */
  peakMb(): number;
  /** CPU time used so far (ms). */
  cpuMs(): number;
  /**
   * A full GC in every thread of the worker, then its RSS (/proc) and the V8 heap in use (MB):
   * the main thread's (activities, SDK) and the workflow thread's (the cached workflows).
   */
  afterGc(): Promise<{ rssMb: number; mainHeapMb: number; workflowHeapMb: number }>;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/** Spawns a worker (`node --import tsx <entry>`: the pid is the worker itself) and waits until it polls. */
export async function spawnWorker(
  kind: WorkerKind,
  env: Record<string, string>,
): Promise<WorkerProcess> {
  let ready = () => undefined as void;
  const polling = new Promise<void>((r) => (ready = r));
  let gcWaiter: ((line: string) => void) | undefined;
  const proc = startProcess({
    name: `${kind}-worker`,
    command: process.execPath,
    args: ['--expose-gc', '--import', GC_HOOK, '--import', 'tsx', ENTRY[kind]],
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    onLine: (line) => {
      if (line.includes('polling task queue')) ready();
      if (line.startsWith('[bench-gc] ')) gcWaiter?.(line.slice('[bench-gc] '.length));
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    polling.then(() => 'ready' as const),
    proc.exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 180_000))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await proc.stop();
    throw new Error(`${kind} worker ${outcome} before it polled:\n${proc.recentOutput()}`);
  }
  const rssMb = () => mb(processMemory(proc.pid).rss);
  return {
    proc,
    rssMb,
    peakMb: () => mb(processMemory(proc.pid).hwm),
    cpuMs: () => processCpuMs(proc.pid),
    async afterGc() {
      const line = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${kind} worker: no GC answer`)), 60_000);
        gcWaiter = (l) => {
          clearTimeout(t);
          resolve(l);
        };
        process.kill(proc.pid, 'SIGWINCH');
      });
      gcWaiter = undefined;
      const usage = JSON.parse(line) as { heapUsed: number; threads: { heapUsed: number }[] };
      // V8 hands freed pages back shortly after the collection.
      await sleep(300);
      return {
        rssMb: rssMb(),
        mainHeapMb: mb(usage.heapUsed),
        workflowHeapMb: mb(usage.threads.reduce((sum, t) => sum + t.heapUsed, 0)),
      };
    },
  };
}

export interface Sample {
  /** Seconds since the worker was ready. */
  t: number;
  started: number;
  parked: number;
  rssMb: number;
}

/** Samples RSS with the started and parked counts every `everyMs` until stopped. */
export function sampler(
  worker: WorkerProcess,
  counts: () => { started: number; parked: number },
  everyMs: number,
  onSample?: (s: Sample) => void,
) {
  const t0 = performance.now();
  const samples: Sample[] = [];
  const take = () => {
    if (worker.proc.hasExited()) return;
    const s = { t: round((performance.now() - t0) / 1000), ...counts(), rssMb: worker.rssMb() };
    samples.push(s);
    onSample?.(s);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
    },
  };
}

/** A stand-in that takes every dispatch and never reports: each workflow parks at step 1. */
export async function silentStandIn(stack: Stack) {
  return startN8nStandIn(stack.client, () => ({ status: 'SILENT' }));
}

export interface ParkResult {
  count: number;
  /** Client starts per second (START_CONCURRENCY in flight). */
  startRate: number;
  /** From the first start to the last dispatch received (s). */
  seconds: number;
  /** CPU ms per parked workflow, by process (worker, bench, temporal, postgres). */
  cpuMsPerWorkflow: Record<string, number>;
}

/**
 * Starts `count` workflows on `taskQueue` and waits until each has parked (its first dispatch
 * reached the stand-in). PAYOFF rows are inserted first (one statement per 2,000).
 */
export async function park(
  stack: Stack,
  kind: WorkerKind,
  bdb: BenchDatabase,
  taskQueue: string,
  count: number,
  dispatched: () => number,
  tally: { started: number },
  worker: WorkerProcess,
): Promise<ParkResult> {
  const target = dispatched() + count;
  const rows = kind === 'project' ? await insertManyRows(bdb, count) : [];
  const pids = { ...stack.cpuPids, worker: { pid: worker.proc.pid } };
  const cpuBefore = cpuSnapshot(pids);
  let startSeconds = 0;
  const t0 = performance.now();
  const ticker = setInterval(
    () =>
      progress(
        `parking ${kind}: ${tally.started} started, ${dispatched()} parked, worker RSS ${worker.rssMb()} MB`,
      ),
    15_000,
  );
  try {
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      START_CONCURRENCY,
      async (i) => {
        if (kind === 'project') await startPayoff(stack, bdb, taskQueue, rows[i]!);
        else await startBare(stack, taskQueue);
        tally.started++;
      },
    );
    startSeconds = (performance.now() - t0) / 1000;
    // However slow the machine, give up only when parking has stalled.
    let last = { count: dispatched(), at: performance.now() };
    await waitFor(
      `${count} workflows parked (none parked for ${STALL_MS / 1000} s)`,
      () => {
        if (dispatched() !== last.count) last = { count: dispatched(), at: performance.now() };
        if (performance.now() - last.at > STALL_MS) {
          throw new Error(`parking stalled at ${dispatched() - target + count} of ${count}`);
        }
        return dispatched() >= target;
      },
      Number.MAX_SAFE_INTEGER,
      200,
    );
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - t0) / 1000;
  // The last dispatches' completions are still being processed: let them finish.
  await sleep(SETTLE_MS);
  const cpuMsPerWorkflow = cpuPer(cpuBefore, cpuSnapshot(pids), count);
  progress(
    `parked ${count} ${kind} workflows: started at ${round(count / startSeconds)}/s, all parked after ${round(seconds)} s`,
  );
  return {
    count,
    startRate: round(count / startSeconds),
    seconds: round(seconds),
    cpuMsPerWorkflow,
  };
}

/** The worker's environment, as src/worker.ts reads it. */
export function workerEnv(
  stack: Stack,
  opts: { databaseUrl: string; webhookUrl: string; taskQueue: string; maxCached?: number },
): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporal.address,
    N8N_WEBHOOK_URL: opts.webhookUrl,
    TEMPORAL_TASK_QUEUE: opts.taskQueue,
    ...(opts.maxCached === undefined
      ? {}
      : { WORKER_MAX_CACHED_WORKFLOWS: String(opts.maxCached) }),
  };
}
