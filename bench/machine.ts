// What the numbers were measured on: the machine, the versions, the load around the run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../src/config.js';
import { TEMPORAL_CLI } from '../src/dev/tools.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  platform: string;
  kernel: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
  };
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [a!, b!, c!];
}

function packageVersion(name: string): string | undefined {
  try {
    const file = path.join(PROJECT_ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export interface Versions {
  node: string;
  temporalSdk: Record<string, string | undefined>;
  temporalCli: string;
  /** What the measures ran on: the CLI dev server, or the production server (`--cluster`). */
  temporalServer?: string;
  postgres: string;
  git?: { commit: string; dirtyFiles: number };
}

export async function versions(databaseUrl: string): Promise<Versions> {
  const sdk = ['worker', 'client', 'workflow', 'activity', 'core-bridge'];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client
    .query<{ server_version: string }>('SHOW server_version')
    .finally(() => client.end());
  return {
    node: process.version,
    temporalSdk: Object.fromEntries(sdk.map((p) => [p, packageVersion(`@temporalio/${p}`)])),
    temporalCli: execFileSync(TEMPORAL_CLI, ['--version']).toString().trim(),
    postgres: rows[0]!.server_version,
    git: gitState(),
  };
}

/** The commit measured and how many files differed from it (read-only git calls). */
function gitState(): Versions['git'] {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    const commit = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain').split('\n').filter(Boolean).length;
    return { commit, dirtyFiles: dirty };
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM of a process, in bytes (Linux /proc). */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}
