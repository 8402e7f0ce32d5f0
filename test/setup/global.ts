import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../db/migrate.js';
import { getFreePort } from '../../src/dev/ports.js';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/dev/postgres.js';
import { startTemporalDevServer } from '../../src/dev/temporal.js';
import { ensureConsoleBuilt } from '../../src/dev/console.js';
import { ensureTools } from '../../src/dev/tools.js';

export const TEMPLATE_DATABASE = 'rexera_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test cluster's `postgres` database. */
    pgAdminUrl: string;
    /** A migrated database that each test file clones (CREATE DATABASE ... TEMPLATE). */
    pgTemplateDatabase: string;
    /** Address of the test run's own Temporal dev server. */
    temporalAddress: string;
  }
}

/**
 * One real PostgreSQL and one real Temporal dev server for the run, on free ports and in a
 * throw-away folder, so `npm test` never touches what `npm start` runs.
 */
export default async function setup(project: TestProject) {
  ensureTools();
  // The console the API serves, as its sources are now (the browser tests use it).
  await ensureConsoleBuilt((m) => console.log(m));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rexera-test-'));
  // mkdtemp makes it private; PostgreSQL's unprivileged user (when we are root) must enter it.
  fs.chmodSync(root, 0o755);
  const started = Date.now();
  const [pgResult, temporalResult] = await Promise.allSettled([
    startEmbeddedPostgres({
      dataDir: path.join(root, 'postgres'),
      port: await getFreePort(),
      database: TEMPLATE_DATABASE,
      ephemeral: true,
    }),
    startTemporalDevServer({ port: await getFreePort(), namespace: 'default' }),
  ]);
  if (pgResult.status === 'rejected' || temporalResult.status === 'rejected') {
    // Stop whichever did start, so a failed setup leaves nothing running.
    if (pgResult.status === 'fulfilled') await pgResult.value.stop();
    if (temporalResult.status === 'fulfilled') await temporalResult.value.stop();
    fs.rmSync(root, { recursive: true, force: true });
    throw pgResult.status === 'rejected'
      ? pgResult.reason
      : (temporalResult as PromiseRejectedResult).reason;
  }
  const pg = pgResult.value;
  const temporal = temporalResult.value;
  await ensureDatabase(pg.adminUrl, TEMPLATE_DATABASE);
  await runMigrations(pg.url);
  console.log(
    `[test setup] PostgreSQL ${new URL(pg.adminUrl).port}, Temporal ${temporal.address}, ready in ${Date.now() - started} ms`,
  );

  project.provide('pgAdminUrl', pg.adminUrl);
  project.provide('pgTemplateDatabase', TEMPLATE_DATABASE);
  project.provide('temporalAddress', temporal.address);

  return async () => {
    await Promise.allSettled([temporal.stop(), pg.stop()]);
    fs.rmSync(root, { recursive: true, force: true });
  };
}
