// The one table (stdout) and the JSON result (bench/results/<date>.json).
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { PROJECT_ROOT } from '../src/config.js';
import type { Options } from './cli.js';
import type { Machine, Versions } from './machine.js';
import type { HopResult } from './measures/hop.js';
import type { N8nResult } from './measures/n8n.js';
import type { RssResult, RssVariant } from './measures/rss.js';
import type { ScaleResult } from './measures/scale.js';
import type { SlaResult } from './measures/sla.js';
import type { HistoryShape } from './history.js';
import type { ThroughputResult } from './measures/throughput.js';
import { START_CONCURRENCY } from './parking.js';
import type { Summary } from './stats.js';

const LEVELS = ['yellow', 'orange', 'red', 'breached'] as const;

export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

export interface Results {
  startup?: Record<string, number>;
  smoke?: Summary;
  hop?: HopResult;
  throughput?: ThroughputResult;
  sla?: SlaResult;
  rss?: RssResult;
  sse?: Summary;
  n8n?: N8nResult | 'not installed';
  scale?: ScaleResult;
}

export interface Row {
  measure: string;
  ours: string;
  bare: string;
  poller: string;
  ratio: string;
  goal: string;
  /** yes / no / '' (no goal) */
  met: string;
}

const n = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (x: number, digits = 0) => `${n(x, digits)} ms`;
const x = (r: number) => `${r.toFixed(2)}x`;
const yesNo = (ok: boolean) => (ok ? 'yes' : 'NO');
const row = (r: Partial<Row> & { measure: string; ours: string }): Row => ({
  bare: '',
  poller: '',
  ratio: '',
  goal: '',
  met: '',
  ...r,
});

const cpuCell = (c: Record<string, number>) =>
  `${n(c.bench ?? 0, 1)} / ${n(c.temporal ?? 0, 1)} / ${n(c.postgres ?? 0, 1)}`;
const workerCpuCell = (c: Record<string, number>) =>
  `${n(c.worker ?? 0, 1)} / ${n(c.bench ?? 0, 1)} / ${n(c.temporal ?? 0, 1)} / ${n(c.postgres ?? 0, 1)}`;

function historyCell(h: HistoryShape): string {
  const c = (t: string) => h.byType[t] ?? 0;
  return (
    `${h.events} events (${n(h.bytes / 1024, 1)} KB): ${c('WORKFLOW_TASK_COMPLETED')} WFT, ` +
    `${c('ACTIVITY_TASK_SCHEDULED')} act, ${c('MARKER_RECORDED')} local act, ${c('TIMER_STARTED')} timers`
  );
}

export function tableRows(r: Results): Row[] {
  const rows: Row[] = [];
  if (r.hop) {
    const { ours, bare } = r.hop;
    for (const [p, limit] of [
      ['p50', 1.5],
      ['p95', 2],
    ] as const) {
      const ratio = ours[p] / bare[p];
      rows.push(
        row({
          measure: `outcome Update -> next dispatch ${p}`,
          ours: ms(ours[p], 1),
          bare: ms(bare[p], 1),
          ratio: `${x(ratio)} bare`,
          goal: `<= ${limit}x bare`,
          met: yesNo(ratio <= limit),
        }),
      );
    }
  }
  if (r.throughput) {
    const t = r.throughput;
    const ratio = t.ours / t.bare;
    rows.push(
      row({
        measure: `PAYOFF runs per second, ${t.concurrency} at once`,
        ours: `${n(t.ours, 1)}/s`,
        bare: `${n(t.bare, 1)}/s`,
        ratio: `${x(ratio)} bare`,
        goal: '>= 0.7x bare',
        met: yesNo(ratio >= 0.7),
      }),
    );
  }
  if (r.sla) {
    const s = r.sla;
    const ratio = s.ours.all.p99 / s.poller.all.p99;
    rows.push(
      row({
        measure: `SLA alert lateness p99, ${s.ours.workflows} workflows at once`,
        ours: ms(s.ours.all.p99),
        poller: ms(s.poller.all.p99),
        ratio: `${x(ratio)} poller`,
        goal: '<= 1 s and <= 0.1x poller',
        met: yesNo(s.ours.all.p99 <= 1000 && ratio <= 0.1),
      }),
    );
  }
  if (r.rss) {
    const { large, small, bare } = r.rss;
    const mem = (v: RssVariant) => `${n(v.atAll.rssMb)} MB (${n(v.at0.rssMb)} at 0)`;
    rows.push(
      row({
        measure: `worker RSS after GC, ${n(large.parkedAll)} parked, cache ${n(large.maxCachedWorkflows)}`,
        ours: mem(large),
        bare: bare ? mem(bare) : '',
        ratio: bare ? `${x(large.atAll.rssMb / bare.atAll.rssMb)} bare` : '',
        goal: 'stated per cached workflow',
      }),
      row({
        measure: 'worker RSS (workflow thread V8 heap) per cached workflow',
        ours: `${n(large.perCachedKb)} KB (${n(large.workflowHeapPerCachedKb)} KB)`,
        bare: bare ? `${n(bare.perCachedKb)} KB (${n(bare.workflowHeapPerCachedKb)} KB)` : '',
        ratio: bare ? `${x(large.perCachedKb / Math.max(1, bare.perCachedKb))} bare` : '',
        goal: 'stated',
      }),
      row({
        measure: `worker RSS after GC, ${n(small.parkedAll)} parked, cache ${n(small.maxCachedWorkflows)}`,
        ours:
          `${n(small.atAll.rssMb)} MB (${n(small.atFirst.rssMb)} at ${n(small.parkedFirst)}, ` +
          `${n(small.at0.rssMb)} at 0)`,
        ratio: `growth ${x(r.rss.boundedRatio)} heap, ${x(r.rss.rssGrowthRatio)} RSS of cache ${n(large.maxCachedWorkflows)}'s`,
        goal: 'bounded (heap growth < 0.25x)',
        met: yesNo(r.rss.boundedRatio < 0.25),
      }),
    );
    const idle = r.rss.idle;
    rows.push(
      row({
        measure: `idle SQL statements per minute, ${n(idle.parked)} parked`,
        ours: `${n(idle.ours.statementsPerMinute, 1)}`,
        bare: 'n/a (no database)',
        poller: `${n(idle.poller.statementsPerMinute, 1)} (${n(idle.poller.rowsPerMinute)} rows read)`,
        ratio: `${x(idle.ours.statementsPerMinute / Math.max(1e-9, idle.poller.statementsPerMinute))} poller`,
        goal: '0',
        met: yesNo(idle.ours.statementsPerMinute === 0),
      }),
    );
  }
  if (r.scale) {
    const s = r.scale;
    rows.push(
      row({
        measure: `scale: worker RSS, ${n(s.parked)} parked, cache ${n(s.maxCachedWorkflows)}`,
        ours: `${n(s.rssAtAll)} MB after GC (${n(s.rssBeforeGc)} before, peak ${n(s.peakMb)}, ${n(s.rssAt0)} at 0)`,
        goal: 'bounded',
      }),
      row({
        measure: `scale: starts per second (${START_CONCURRENCY} in flight) / parked per second`,
        ours: `${n(s.startRate, 1)}/s / ${n(s.parkRate, 1)}/s`,
      }),
      row({
        measure: 'scale: CPU ms per parked workflow, worker / bench / Temporal / PostgreSQL',
        ours: workerCpuCell(s.cpuMsPerWorkflow),
      }),
    );
  }
  // Context: what the old bench printed, and where the time goes.
  const context: Row[] = [];
  const st = r.startup;
  if (st) {
    context.push(
      row({ measure: 'PostgreSQL first start (initdb + start)', ours: ms(st.postgresFirstStart!) }),
      row({ measure: 'Temporal server start', ours: ms(st.temporalStart!) }),
      row({
        measure: 'migrations: empty database / nothing to do',
        ours: `${ms(st.migrationsEmpty!)} / ${ms(st.migrationsAgain!)}`,
      }),
      row({
        measure: 'workflow code bundle',
        ours: ms(st.projectBundle!),
        bare: ms(st.bareBundle!),
      }),
    );
  }
  if (r.smoke) {
    context.push(
      row({
        measure: `workflow start -> result (smoke), n=${r.smoke.n}`,
        ours: `p50 ${ms(r.smoke.p50, 1)}, p95 ${ms(r.smoke.p95, 1)}`,
      }),
    );
  }
  if (r.hop) {
    context.push(
      row({
        measure: `PAYOFF whole run (6 steps), one at a time, n=${r.hop.runMs.ours.n}`,
        ours: `p50 ${ms(r.hop.runMs.ours.p50)}, p95 ${ms(r.hop.runMs.ours.p95)}`,
        bare: `p50 ${ms(r.hop.runMs.bare.p50)}, p95 ${ms(r.hop.runMs.bare.p95)}`,
        ratio: `${x(r.hop.runMs.ours.p50 / r.hop.runMs.bare.p50)} bare`,
      }),
      row({
        measure: 'history of one run (6 steps, one at a time)',
        ours: historyCell(r.hop.history.ours),
        bare: historyCell(r.hop.history.bare),
        ratio: `${x(r.hop.history.ours.events / r.hop.history.bare.events)} bare events`,
      }),
      row({
        measure: 'workflow tasks of that run: in the worker / waiting for it (sum)',
        ours: `${ms(r.hop.history.ours.workflowTaskInWorkerMs)} / ${ms(r.hop.history.ours.workflowTaskQueuedMs)} of ${ms(r.hop.history.ours.durationMs)}`,
        bare: `${ms(r.hop.history.bare.workflowTaskInWorkerMs)} / ${ms(r.hop.history.bare.workflowTaskQueuedMs)} of ${ms(r.hop.history.bare.durationMs)}`,
      }),
      row({
        measure: 'outcome -> next dispatch p50 by transition (1->2 ... 5->6)',
        ours: r.hop.oursByTransition.map((v) => n(v, 1)).join(' / ') + ' ms',
      }),
    );
  }
  if (r.throughput) {
    const t = r.throughput;
    const last = t.rounds.at(-1)!;
    context.push(
      row({
        measure: `one run's duration p50, ${t.concurrency} at once`,
        ours: ms(last.oursRunMs.p50),
        bare: ms(last.bareRunMs.p50),
      }),
      row({
        measure: 'SQL statements per PAYOFF run / per step (BEGIN, COMMIT included)',
        ours: `${n(t.sqlPerRun, 1)} / ${n(t.sqlPerStep, 1)}`,
        bare: '0',
      }),
      row({
        measure: 'CPU ms per run: bench process (client, stand-in, worker) / Temporal / PostgreSQL',
        ours: cpuCell(t.cpuMsPerRun.ours),
        bare: cpuCell(t.cpuMsPerRun.bare),
      }),
    );
  }
  const redispatches = (r.hop?.redispatches ?? 0) + (r.throughput?.redispatches ?? 0);
  if (redispatches !== 0) {
    context.push(
      row({
        measure: 'WARNING: re-dispatches (an outcome not delivered, n8n 500, activity retried)',
        ours: `${redispatches} (hop ${r.hop?.redispatches ?? 0}, throughput ${r.throughput?.redispatches ?? 0})`,
      }),
    );
  }
  if (r.sla) {
    const s = r.sla;
    context.push(
      row({
        measure: `SLA lateness p50 / max (${s.slaSeconds} s SLA, timeScale ${s.timeScale.toExponential(2)})`,
        ours: `${ms(s.ours.all.p50)} / ${ms(s.ours.all.max)}`,
        poller: `${ms(s.poller.all.p50)} / ${ms(s.poller.all.max)}`,
      }),
      row({
        measure: 'SLA lateness p50 by level (YELLOW / ORANGE / RED / BREACHED)',
        ours: LEVELS.map((l) => n(s.ours.byLevel[l].p50)).join(' / ') + ' ms',
        poller: LEVELS.map((l) => n(s.poller.byLevel[l].p50)).join(' / ') + ' ms',
      }),
      row({
        measure: "YELLOW's lateness p50: timer started late / fired late / fired -> written",
        ours: `${ms(s.ours.yellow.timerStartDelay.p50)} / ${ms(s.ours.yellow.timerFireDelay.p50)} / ${ms(s.ours.yellow.firedToWritten.p50)}`,
      }),
      row({
        measure: 'SLA: while parked (dispatches incl. retries, escalations; thresholds spread)',
        ours: `${s.ours.dispatches} dispatches, ${s.ours.escalations} escalations; ${ms(s.ours.thresholdSpreadMs)}`,
        poller: `${s.poller.groups} groups x ${s.ours.workflows}, ${s.poller.ticks} ticks`,
      }),
    );
  }
  if (r.rss) {
    const { large, small, bare } = r.rss;
    context.push(
      row({
        measure: `worker RSS as sampled (no forced GC), all parked, cache ${n(large.maxCachedWorkflows)} / ${n(small.maxCachedWorkflows)}`,
        ours: `${n(large.rssBeforeGcMb)} MB / ${n(small.rssBeforeGcMb)} MB (peaks ${n(large.peakMb)} / ${n(small.peakMb)})`,
        bare: bare ? `${n(bare.rssBeforeGcMb)} MB (peak ${n(bare.peakMb)})` : '',
      }),
      row({
        measure:
          'V8 heap after GC, all parked: worker main thread / workflow thread (cache large / small)',
        ours: `${n(large.atAll.mainHeapMb)} / ${n(large.atAll.workflowHeapMb)} MB; ${n(small.atAll.mainHeapMb)} / ${n(small.atAll.workflowHeapMb)} MB`,
        bare: bare ? `${n(bare.atAll.mainHeapMb)} / ${n(bare.atAll.workflowHeapMb)} MB` : '',
      }),
      row({
        measure: 'parking: CPU ms per workflow, worker / bench / Temporal / PostgreSQL',
        ours: workerCpuCell(large.parks[0]!.cpuMsPerWorkflow),
        bare: bare ? workerCpuCell(bare.parks[0]!.cpuMsPerWorkflow) : '',
      }),
      row({
        measure: 'parking: starts per second / all parked after',
        ours: `${n(large.parks[0]!.startRate)}/s / ${n(large.parks[0]!.seconds, 1)} s for ${n(large.parks[0]!.count)}`,
        bare: bare ? `${n(bare.parks[0]!.startRate)}/s / ${n(bare.parks[0]!.seconds, 1)} s` : '',
      }),
    );
  }
  if (r.sse) {
    context.push(
      row({
        measure: `change committed -> SSE received, n=${r.sse.n}`,
        ours: `p50 ${ms(r.sse.p50)}, p95 ${ms(r.sse.p95)}`,
      }),
    );
  }
  if (r.n8n === 'not installed') {
    context.push(row({ measure: 'agent step through real n8n', ours: 'n8n not installed' }));
  } else if (r.n8n) {
    context.push(
      row({ measure: 'n8n start (import, activate, webhook live)', ours: ms(r.n8n.startMs) }),
      row({
        measure: `agent step through real n8n, n=${r.n8n.agentStepMs.n}`,
        ours: `p50 ${ms(r.n8n.agentStepMs.p50)}, p95 ${ms(r.n8n.agentStepMs.p95)}`,
      }),
    );
  }
  if (context.length > 0) {
    rows.push(row({ measure: '**context**', ours: '' }), ...context);
  }
  return rows;
}

const HEADER: Row = {
  measure: 'measure',
  ours: 'this project',
  bare: 'bare Temporal',
  poller: '5 s poller',
  ratio: 'ratio',
  goal: 'goal',
  met: 'met',
};
const COLUMNS = Object.keys(HEADER) as (keyof Row)[];

/** A Markdown table, padded so that it also reads in a terminal. */
export function renderTable(rows: Row[]): string {
  const all = [HEADER, ...rows];
  const width = (c: keyof Row) => Math.max(3, ...all.map((r) => r[c].length));
  const widths = COLUMNS.map(width);
  const line = (r: Row) => `| ${COLUMNS.map((c, i) => r[c].padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** A full run: every default measure, every count at its default. */
  complete: boolean;
  argv: string[];
  options: Omit<Options, 'run'> & { run: string[] };
  machine: Machine;
  versions: Versions;
  loadAverage: {
    before: number[];
    after: number[];
    /** The 1-minute load every 30 s during the run, and its maximum. */
    during: { samples: [number, number][]; max: number };
  };
  workerLimits: Record<string, number | undefined>;
  table: Row[];
  results: Results;
}

/**
 * bench/results/<date>.json (-cluster on the production server; -scale, -partial when not a
 * full run), formatted as the
 * project's Prettier formats JSON (`prettier --check` covers bench/); returns the path.
 */
export async function saveReport(report: Report, opts: Options): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const scaleOnly = opts.run.size === 1 && opts.run.has('scale');
  const suffix =
    (opts.cluster ? '-cluster' : '') + (!report.complete ? '-partial' : scaleOnly ? '-scale' : '');
  const stamp = report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(RESULTS_DIR, `${stamp}${suffix}.json`);
  const config = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(
    file,
    await prettier.format(JSON.stringify(report), { ...config, filepath: file, parser: 'json' }),
  );
  return file;
}
