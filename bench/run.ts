// `npm run bench`: this project against a bare Temporal baseline and the old design's 5 s
// poller, on the same servers in the same run; prints one table (stdout), progress on stderr,
// and writes the same as JSON under bench/results/. Numbers are printed, never asserted.
// `npm run bench -- --help` lists the flags.
import path from 'node:path';
import { parseArgs, type MeasureName } from './cli.js';
import { loadAverage, machine, versions } from './machine.js';
import { measureHop } from './measures/hop.js';
import { measureN8n } from './measures/n8n.js';
import { measureRss } from './measures/rss.js';
import { measureScale } from './measures/scale.js';
import { measureSla } from './measures/sla.js';
import { measureSmoke } from './measures/smoke.js';
import { measureSse } from './measures/sse.js';
import { measureThroughput } from './measures/throughput.js';
import { elapsedSeconds, loadDuringRun, progress } from './progress.js';
import { renderTable, saveReport, tableRows, type Report, type Results } from './report.js';
import { startStack } from './stack.js';
import { TEMPORAL_SERVER_VERSION } from '../src/dev/tools.js';
import { round } from './stats.js';

async function main() {
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv);
  const startedAt = new Date().toISOString();
  const loadBefore = loadAverage();
  const on = (m: MeasureName) => opts.run.has(m);
  progress(
    `measures: ${[...opts.run].join(', ') || '(start-up only)'}; load average ${loadBefore.join(' ')}`,
  );
  const stack = await startStack({ cluster: opts.cluster });
  const results: Results = { startup: stack.startup };
  let report: Report | undefined;
  try {
    if (on('smoke')) {
      progress(`smoke: ${opts.smokeRuns} workflow start -> result round trips`);
      results.smoke = await measureSmoke(stack, { runs: opts.smokeRuns });
    }
    if (on('hop')) {
      progress(
        `hop: ${opts.rounds} rounds of ${opts.hopRuns} PAYOFF and ${opts.hopRuns} bare runs, one at a time`,
      );
      results.hop = await measureHop(stack, { rounds: opts.rounds, runs: opts.hopRuns });
    }
    if (on('throughput')) {
      progress(`throughput: ${opts.rounds} rounds of ${opts.concurrency} at once, ours then bare`);
      results.throughput = await measureThroughput(stack, {
        rounds: opts.rounds,
        concurrency: opts.concurrency,
      });
    }
    if (on('sla')) {
      results.sla = await measureSla(stack, {
        workflows: opts.slaWorkflows,
        slaSeconds: opts.slaSeconds,
        pollIntervalMs: opts.pollIntervalMs,
        pollerGroups: opts.pollerGroups,
      });
    }
    if (on('rss')) {
      results.rss = await measureRss(stack, {
        parked: opts.parked,
        idleParked: opts.idleParked,
        idleSeconds: opts.idleSeconds,
        smallCache: opts.smallCache,
        smallParked: opts.smallParked,
        largeCache: opts.largeCache,
        bareParked: opts.bareParked,
        pollIntervalMs: opts.pollIntervalMs,
        bare: on('bare-rss'),
      });
    }
    if (on('sse')) {
      progress('SSE: change committed -> server-sent event, 5 PAYOFF runs');
      results.sse = await measureSse(stack, { runs: 5 });
    }
    if (on('n8n')) {
      progress('n8n: starting real n8n, then 5 MUNICIPAL_LIEN_SEARCH runs through it');
      results.n8n = await measureN8n(stack, { runs: 5 });
    }
    if (on('scale')) {
      results.scale = await measureScale(stack, { parked: opts.scaleParked });
    }
    const table = tableRows(results);
    report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      durationSeconds: round(elapsedSeconds()),
      complete: opts.complete,
      argv,
      options: { ...opts, run: [...opts.run] },
      machine: machine(),
      versions: {
        ...(await versions(stack.pg.url)),
        temporalServer: opts.cluster
          ? `go.temporal.io/server ${TEMPORAL_SERVER_VERSION}: frontend, 2 history, matching, worker on PostgreSQL (SQL visibility)`
          : 'Temporal CLI dev server (in memory)',
      },
      loadAverage: { before: loadBefore, after: loadAverage(), during: loadDuringRun() },
      workerLimits: { ...stack.limits },
      table,
      results,
    };
    console.log(renderTable(table));
    console.log(
      `\n${report.machine.cpuModel}, ${report.machine.cores} cores, ` +
        `${round(report.machine.memoryBytes / 2 ** 30, 1)} GiB; node ${report.versions.node}, ` +
        `Temporal SDK ${report.versions.temporalSdk.worker}, ${report.versions.temporalCli}, ` +
        `measured on ${report.versions.temporalServer}, ` +
        `PostgreSQL ${report.versions.postgres}; load average ${loadBefore.join(' ')} before, ` +
        `${report.loadAverage.after.join(' ')} after, 1-minute load up to ` +
        `${report.loadAverage.during.max} during; ${Math.round(elapsedSeconds())} s in all`,
    );
  } finally {
    progress('stopping the servers');
    await stack.close();
  }
  if (report && opts.save) {
    const file = await saveReport(report, opts);
    console.log(`written: ${path.relative(process.cwd(), file)}`);
  }
}

main().then(
  // Pools, sockets and timers of the SDK may hold the loop a little: the run is over.
  () => process.exit(0),
  (err: unknown) => {
    console.error('[bench]', err);
    process.exit(1);
  },
);
