import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { assertPortFree } from './ports.js';
import { startProcess, waitUntil, type ManagedProcess } from './process.js';

const N8N_DIR = path.join(PROJECT_ROOT, 'n8n');
export const N8N_BIN = path.join(N8N_DIR, 'node_modules', '.bin', 'n8n');
/** The environment variables the definitions read ($env.X), all set by the launcher. */
export const N8N_DEFINITION_ENV: string[] = [
  'AGENT_SIMULATOR_URL',
  'CHANNEL_GATEWAY_URL',
  'N8N_CALLBACK_RETRY_SECONDS',
  'N8N_DISPATCH_DEDUPE_HISTORY',
  'N8N_HMAC_SECRET',
];

/** How long n8n retries a callback the API did not take (N8N_CALLBACK_RETRY_SECONDS). */
const DEFAULT_CALLBACK_RETRY_SECONDS = 600;
/** How long n8n lets running executions finish when told to stop (its own default). */
const DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 30;
/** The launcher's stop timeout is n8n's own graceful shutdown plus this, then SIGKILL. */
const STOP_MARGIN_MS = 15_000;

/** The webhook path of n8n/rexera-task-dispatch.json. */
export const DISPATCH_PATH = '/webhook/rexera-task';

/** Every n8n workflow definition of the project (one JSON per file in n8n/). */
export function definitionFiles(): string[] {
  return fs
    .readdirSync(N8N_DIR)
    .filter((f) => f.endsWith('.json') && !f.startsWith('package'))
    .map((f) => path.join(N8N_DIR, f));
}

/** The webhook path of every definition's webhook trigger (`/webhook/<path>`). */
export function webhookPaths(): string[] {
  return definitionFiles().flatMap((file) =>
    (
      JSON.parse(fs.readFileSync(file, 'utf8')) as {
        nodes: { type: string; parameters: { path?: string } }[];
      }
    ).nodes
      .filter((n) => n.type === 'n8n-nodes-base.webhook' && n.parameters.path)
      .map((n) => `/webhook/${n.parameters.path}`),
  );
}

/** Installs n8n if it is missing (normally `npm install` already did). */
export function ensureN8n(): void {
  if (fs.existsSync(N8N_BIN)) return;
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'install-n8n.mjs')], {
    stdio: 'inherit',
  });
  if (res.status !== 0)
    throw new Error('Installing n8n failed (see above); fix that and run `npm start` again.');
}

export interface N8nOptions {
  port: number;
  /** n8n's user folder (its SQLite database, settings); created and imported on first start. */
  userFolder: string;
  encryptionKey: string;
  /** Where the agents are, and the callback signing secret (read by the definitions via $env). */
  agentUrl: string;
  /** The channel connectors (email, phone) that n8n sends outbound messages through; the agents' address when not given. */
  channelUrl?: string;
  hmacSecret: string;
  /** How many dispatch keys n8n remembers to skip repeats (cleared hourly besides). */
  dedupeHistory?: number;
  /**
   * How long n8n keeps retrying a callback that failed for a reason that may pass (no
   * connection, 5xx, 408, 429), in seconds; then its execution ends in error.
   */
  callbackRetrySeconds?: number;
  /**
   * How long n8n, told to stop, lets its running executions finish (they call the agents,
   * then the API) before it exits anyway, in seconds. stop() waits longer than this.
   */
  gracefulShutdownSeconds?: number;
  onLine?: (line: string) => void;
}

export interface EmbeddedN8n {
  readonly url: string;
  readonly webhookUrl: string;
  readonly process: ManagedProcess;
  /** Stops n8n, letting its running executions finish (gracefulShutdownSeconds, then a kill). */
  stop(): Promise<void>;
}

/** How long stop() waits for n8n before it kills it: longer than n8n's own graceful shutdown. */
export function stopTimeoutMs(opts: Pick<N8nOptions, 'gracefulShutdownSeconds'>): number {
  return (
    (opts.gracefulShutdownSeconds ?? DEFAULT_GRACEFUL_SHUTDOWN_SECONDS) * 1000 + STOP_MARGIN_MS
  );
}

/** The environment the launcher gives n8n: quiet, offline, and every variable the definitions read. */
export function environment(opts: N8nOptions): NodeJS.ProcessEnv {
  // Not ours to pass on: a test runner's variables (NODE_ENV=test, VITEST_*) change how n8n
  // starts, and NODE_OPTIONS may carry our own loaders.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST',
    ),
  );
  return {
    ...inherited,
    NODE_ENV: 'production',
    N8N_USER_FOLDER: opts.userFolder,
    N8N_PORT: String(opts.port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_ENCRYPTION_KEY: opts.encryptionKey,
    // Quiet and offline.
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    // The Code node signs callbacks with node:crypto and reads the settings below ($env).
    NODE_FUNCTION_ALLOW_BUILTIN: 'crypto',
    N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
    // The callback's Code node logs each retry with console.log, which n8n drops unless this
    // is set (then: `[Workflow "..."][Node "Report outcome"] [rexera-callback] ...`).
    CODE_ENABLE_STDOUT: 'true',
    // On SIGTERM, n8n waits this long for running executions (their callbacks) to finish.
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(
      opts.gracefulShutdownSeconds ?? DEFAULT_GRACEFUL_SHUTDOWN_SECONDS,
    ),
    // Only read if task runners are turned on (N8N_RUNNERS_ENABLED; off in n8n 1.x): a Code
    // node there is killed after this many seconds (300 by default), which would cut the
    // callback's retries short.
    N8N_RUNNERS_TASK_TIMEOUT: String(
      (opts.callbackRetrySeconds ?? DEFAULT_CALLBACK_RETRY_SECONDS) + 120,
    ),
    AGENT_SIMULATOR_URL: opts.agentUrl,
    // The channel connectors' edge (the simulator serves it locally, beside the agents).
    CHANNEL_GATEWAY_URL: opts.channelUrl ?? opts.agentUrl,
    N8N_DISPATCH_DEDUPE_HISTORY: String(opts.dedupeHistory ?? 10_000),
    N8N_CALLBACK_RETRY_SECONDS: String(opts.callbackRetrySeconds ?? DEFAULT_CALLBACK_RETRY_SECONDS),
    N8N_HMAC_SECRET: opts.hmacSecret,
  };
}

/**
 * Imports the definitions of n8n/ and activates them (on a fresh user folder, before the
 * start: import always deactivates and activation only counts at the next start).
 */
function importDefinitions(opts: N8nOptions): void {
  const marker = path.join(opts.userFolder, 'rexera-definitions.json');
  const files = definitionFiles();
  const fingerprint = JSON.stringify(files.map((f) => [path.basename(f), fs.statSync(f).size]));
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === fingerprint) return;
  fs.mkdirSync(opts.userFolder, { recursive: true });
  const env = environment(opts);
  for (const file of files) {
    execFileSync(N8N_BIN, ['import:workflow', `--input=${file}`], { env, stdio: 'pipe' });
    const { id } = JSON.parse(fs.readFileSync(file, 'utf8')) as { id: string };
    execFileSync(N8N_BIN, ['update:workflow', `--id=${id}`, '--active=true'], {
      env,
      stdio: 'pipe',
    });
  }
  fs.writeFileSync(marker, fingerprint);
}

/** Starts real n8n with our definitions active; resolves once the dispatch webhook is live. */
export async function startN8n(opts: N8nOptions): Promise<EmbeddedN8n> {
  if (!fs.existsSync(N8N_BIN)) {
    throw new Error(
      'n8n is not installed: run `node scripts/install-n8n.mjs` (npm install does it).',
    );
  }
  await assertPortFree(opts.port, 'n8n', 'N8N_PORT');
  importDefinitions(opts);
  const proc = startProcess({
    name: 'n8n',
    command: N8N_BIN,
    args: ['start'],
    env: environment(opts),
    onLine: opts.onLine,
  });
  const url = `http://127.0.0.1:${opts.port}`;
  try {
    // /healthz answers before webhooks are registered: wait for the webhooks themselves. A
    // GET to a live POST-only webhook says so; an unregistered one says "not registered".
    const paths = webhookPaths();
    await waitUntil(
      `the n8n webhooks were live (${paths.join(', ')})`,
      async () => {
        for (const p of paths) {
          const res = await fetch(`${url}${p}`);
          if (!(await res.text()).includes('not registered for GET')) return false;
        }
        return true;
      },
      { timeoutMs: 120_000, process: proc, intervalMs: 500 },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    url,
    webhookUrl: `${url}${DISPATCH_PATH}`,
    process: proc,
    stop: () => proc.stop(stopTimeoutMs(opts)),
  };
}
