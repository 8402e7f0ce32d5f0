// `npm run bench -- [flags]`: what to run and how much of it.

export const MEASURES = [
  'smoke',
  'hop',
  'throughput',
  'sla',
  'rss',
  'bare-rss',
  'sse',
  'n8n',
  'scale',
] as const;
export type MeasureName = (typeof MEASURES)[number];

export interface Options {
  /** Measures to run, in the order of MEASURES. */
  run: Set<MeasureName>;
  /** Smoke workflow round trips (start -> result, one at a time). */
  smokeRuns: number;
  /** Rounds of the latency and throughput measures (medians over them). */
  rounds: number;
  /** Sequential PAYOFF (and bare) runs per latency round: 5 hops each. */
  hopRuns: number;
  /** Workflows started at once in the throughput measure. */
  concurrency: number;
  /** Workflows whose SLA thresholds fall at the same instant. */
  slaWorkflows: number;
  /** The parked step's SLA, shrunk with timeScale (seconds). */
  slaSeconds: number;
  /** The poller's interval (ms). */
  pollIntervalMs: number;
  /** Groups of poller rows, due at instants spread over one interval (samples its phase). */
  pollerGroups: number;
  /** Parked workflows per worker in the RSS measure. */
  parked: number;
  /** Parked workflows during the idle-cost window. */
  idleParked: number;
  /** Length of the idle-cost window (s). */
  idleSeconds: number;
  /** Cache bounds (WORKER_MAX_CACHED_WORKFLOWS) of the RSS measure. */
  smallCache: number;
  largeCache: number;
  /** Parked workflows on the small-cache worker and on the bare worker. */
  smallParked: number;
  bareParked: number;
  /** Parked workflows of the scale probe. */
  scaleParked: number;
  /** Write the JSON under bench/results/. */
  save: boolean;
  /** Every count at its default and every default measure run: a full, comparable run. */
  complete: boolean;
  /** On the production Temporal server (src/dev/cluster.ts), not the CLI dev server. */
  cluster: boolean;
}

const DEFAULT_RUN: MeasureName[] = MEASURES.filter((m) => m !== 'scale');

export const USAGE = `npm run bench -- [flags]

  (no flags)          the full run (about 10 minutes): every measure but the scale probe
  --scale             the scale probe only (10,000 parked workflows, RSS over time, start rate);
                      add --only=... to run other measures with it
  --quick             small counts, no n8n: a check that everything runs (about 3 minutes)
  --only=a,b          only these measures: ${MEASURES.join(', ')}
  --skip=a,b          all default measures but these (e.g. --skip=n8n,sse for the slow extras)
  --rounds=N          rounds of the latency and throughput measures (3)
  --hop-runs=N        sequential runs per latency round, 5 hops each (10)
  --concurrency=N     workflows at once in the throughput measure (50)
  --smoke-runs=N      smoke workflow round trips (100)
  --sla-workflows=N   workflows whose SLA thresholds fall together (40)
  --sla-seconds=S     the parked step's SLA after timeScale (10)
  --poll-interval=S   the poller's interval in seconds (5)
  --poller-groups=N   groups of poller rows spread over one interval (4)
  --parked=N          parked workflows per worker in the RSS measure (2000)
  --idle-parked=N     parked workflows during the idle-cost window (1000)
  --idle-seconds=S    length of the idle-cost window (60)
  --small-cache=N     WORKER_MAX_CACHED_WORKFLOWS of the bounded worker (100)
  --small-parked=N    parked workflows on the bounded worker (1000)
  --bare-parked=N     parked workflows on the bare worker (1000)
  --large-cache=N     WORKER_MAX_CACHED_WORKFLOWS of the worker that caches all (parked + 500)
  --scale-parked=N    parked workflows of the scale probe (10000)
  --cluster           on the production Temporal server (PostgreSQL persistence and SQL
                      visibility, each service its own process) instead of the dev server
  --no-save           do not write bench/results/<date>.json
`;

export function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`Unknown argument ${arg}\n\n${USAGE}`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const known = new Set([
    'help',
    'scale',
    'quick',
    'only',
    'skip',
    'rounds',
    'hop-runs',
    'concurrency',
    'smoke-runs',
    'sla-workflows',
    'sla-seconds',
    'poll-interval',
    'poller-groups',
    'parked',
    'idle-parked',
    'idle-seconds',
    'small-cache',
    'large-cache',
    'small-parked',
    'bare-parked',
    'scale-parked',
    'no-save',
    'cluster',
  ]);
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new Error(`Unknown flag --${name}\n\n${USAGE}`);
  }
  if (flags.has('help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = flags.has('quick');
  const num = (name: string, normal: number, quickValue = normal) => {
    const raw = flags.get(name);
    if (raw === undefined) return quick ? quickValue : normal;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const list = (name: string): MeasureName[] => {
    const raw = flags.get(name);
    if (raw === undefined) return [];
    const names = raw.split(',').filter(Boolean);
    for (const n of names) {
      if (!(MEASURES as readonly string[]).includes(n)) {
        throw new Error(`--${name}: unknown measure ${n} (one of ${MEASURES.join(', ')})`);
      }
    }
    return names as MeasureName[];
  };

  let run = new Set<MeasureName>(DEFAULT_RUN);
  if (quick) run.delete('n8n');
  const only = list('only');
  if (only.length > 0 || flags.has('scale')) run = new Set(only);
  if (flags.has('scale')) run.add('scale');
  for (const m of list('skip')) run.delete(m);

  const parked = Math.round(num('parked', 2000, 300));
  const opts: Options = {
    run,
    smokeRuns: Math.round(num('smoke-runs', 100, 20)),
    rounds: Math.round(num('rounds', 3, 1)),
    hopRuns: Math.round(num('hop-runs', 10, 3)),
    concurrency: Math.round(num('concurrency', 50, 10)),
    slaWorkflows: Math.round(num('sla-workflows', 40, 10)),
    slaSeconds: num('sla-seconds', 10),
    pollIntervalMs: num('poll-interval', 5) * 1000,
    pollerGroups: Math.round(num('poller-groups', 4, 2)),
    parked,
    idleParked: Math.min(parked, Math.round(num('idle-parked', 1000, 150))),
    idleSeconds: num('idle-seconds', 60, 15),
    smallCache: Math.round(num('small-cache', 100, 50)),
    largeCache: Math.round(num('large-cache', parked + 500)),
    smallParked: Math.round(num('small-parked', 1000, 200)),
    bareParked: Math.round(num('bare-parked', 1000, 200)),
    scaleParked: Math.round(num('scale-parked', 10_000, 1000)),
    save: !flags.has('no-save'),
    complete: false,
    cluster: flags.has('cluster'),
  };
  const countFlags = [...flags.keys()].filter((f) => !['no-save', 'scale', 'cluster'].includes(f));
  opts.complete = countFlags.length === 0;
  if (opts.largeCache < opts.parked) {
    throw new Error('--large-cache must be at least --parked (it must hold every parked workflow)');
  }
  return opts;
}
