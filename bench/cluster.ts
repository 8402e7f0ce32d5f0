// `npm run bench:cluster`: the whole stack on the production Temporal server (frontend, two
// history, matching and worker services on PostgreSQL), real n8n and the agent simulator, two
// APIs; business workflows driven through the API as clients and counterparties do.
//   - throughput: batches of N (the three types in turn) with three worker processes, then
//     with one: completed workflows per minute, first create to last completion;
//   - recovery: a worker process, then a history service, SIGKILLed mid-batch: how long until
//     every open workflow of the batch completed a task again.
// Time runs 60 times faster (WORKFLOW_TIME_SCALE), agents answer in 100 ms. Prints a table and
// writes bench/results/<date>-cluster-e2e.json.
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { checkRows, everyOneMoved, startBatch } from '../test/faults/batch.js';
import { startFaultStack, type FaultStack } from '../test/faults/stack.js';
import { loadAverage, machine } from './machine.js';
import { progress } from './progress.js';

const RESULTS_DIR = path.join(import.meta.dirname, 'results');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parse(argv: string[]) {
  let batch = 60;
  for (const arg of argv) {
    const m = /^--batch=(\d+)$/.exec(arg);
    if (m) batch = Number(m[1]);
    else if (arg === '--help') {
      console.log('npm run bench:cluster -- [--batch=N]   (N workflows per batch, default 60)');
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg} (npm run bench:cluster -- --help)`);
  }
  if (batch < 3) throw new Error('--batch must be at least 3');
  return { batch };
}

/** A batch of `count` through both APIs: seconds from first create to last completion. */
async function throughput(stack: FaultStack, count: number) {
  const began = Date.now();
  const batch = startBatch(stack, count);
  await batch.allCompleted([], 900_000);
  const seconds = (Date.now() - began) / 1000;
  await batch.stop();
  const problems = await checkRows(stack, batch.ids);
  if (problems.length > 0) throw new Error(`rows wrong after the batch:\n${problems.join('\n')}`);
  return { workflows: count, seconds, perMinute: (count / seconds) * 60 };
}

/** A batch of 20, `kill` once 8 tasks are done: ms until every open workflow moved on. */
async function recovery(stack: FaultStack, kill: () => Promise<void>, revive: () => Promise<void>) {
  const batch = startBatch(stack, 20);
  await batch.created;
  for (;;) {
    const { rows } = await stack.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM task_executions WHERE status = 'COMPLETED' AND workflow_id = ANY($1::uuid[])`,
      [batch.ids.map((x) => x.id)],
    );
    if (Number(rows[0]!.n) >= 8) break;
    await sleep(200);
  }
  const at = Date.now();
  await kill();
  const ms = await everyOneMoved(stack, batch.ids, at);
  await revive();
  await batch.allCompleted([], 900_000);
  await batch.stop();
  const problems = await checkRows(stack, batch.ids);
  if (problems.length > 0) throw new Error(`rows wrong after the kill:\n${problems.join('\n')}`);
  return ms;
}

async function main() {
  const opts = parse(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage();
  progress(`starting the stack on the Temporal cluster; load average ${loadBefore.join(' ')}`);
  const stack = await startFaultStack({ temporal: 'cluster', workers: 3, apis: 2 });
  try {
    progress('warm-up: a batch of 6');
    await throughput(stack, 6);

    progress(`throughput: a batch of ${opts.batch} with 3 worker processes`);
    const three = await throughput(stack, opts.batch);
    progress(`  ${three.perMinute.toFixed(1)} workflows per minute`);
    await stack.workers[1]!.kill('SIGTERM');
    await stack.workers[2]!.kill('SIGTERM');
    progress(`throughput: a batch of ${opts.batch} with 1 worker process`);
    const one = await throughput(stack, opts.batch);
    progress(`  ${one.perMinute.toFixed(1)} workflows per minute`);
    await stack.workers[1]!.start();
    await stack.workers[2]!.start();

    progress('recovery: worker-1 SIGKILLed mid-batch');
    const workerKill = await recovery(
      stack,
      () => stack.workers[0]!.kill('SIGKILL'),
      () => stack.workers[0]!.start(),
    );
    progress(`  every open workflow moved on within ${workerKill} ms`);
    progress('recovery: history-1 SIGKILLed mid-batch (history-2 takes its shards)');
    const history = stack.cluster.service('history-1');
    const historyKill = await recovery(
      stack,
      () => history.kill('SIGKILL'),
      async () => {
        await history.start();
      },
    );
    progress(`  every open workflow moved on within ${historyKill} ms`);

    const table = [
      ['measure', 'value'],
      [`throughput, 3 workers (${opts.batch} workflows)`, `${three.perMinute.toFixed(1)} / min`],
      [`throughput, 1 worker (${opts.batch} workflows)`, `${one.perMinute.toFixed(1)} / min`],
      ['3 workers / 1 worker', (three.perMinute / one.perMinute).toFixed(2)],
      ['recovery after a worker SIGKILL', `${(workerKill / 1000).toFixed(1)} s`],
      ['recovery after a history SIGKILL', `${(historyKill / 1000).toFixed(1)} s`],
    ];
    console.log(
      `\n${table.map(([a, b]) => `| ${a!.padEnd(40)} | ${b!.padEnd(12)} |`).join('\n')}\n`,
    );
    const report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      options: opts,
      machine: machine(),
      loadAverage: { before: loadBefore, after: loadAverage() },
      results: { three, one, recoveryMs: { workerKill, historyKill } },
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const file = path.join(RESULTS_DIR, `${stamp}-cluster-e2e.json`);
    // Formatted as the project's Prettier formats JSON (`prettier --check` covers bench/).
    const config = (await prettier.resolveConfig(file)) ?? {};
    fs.writeFileSync(
      file,
      await prettier.format(JSON.stringify(report), { ...config, filepath: file, parser: 'json' }),
    );
    progress(`saved ${path.relative(process.cwd(), file)}`);
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
