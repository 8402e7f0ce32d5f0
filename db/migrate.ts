import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { APPLICATION_NAMES } from './client.js';
import { runIfMain } from '../src/main.js';

const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Any fixed number: serialises concurrent migrators (several workers starting at once). */
const MIGRATION_LOCK = 728_374_001;

/** Applies the committed drizzle-kit migrations; already-applied ones are skipped. */
export async function runMigrations(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString, application_name: APPLICATION_NAMES.migrate });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

async function main() {
  const { getConfig } = await import('../src/config.js');
  const url = getConfig().DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set. `npm start` migrates the embedded database itself; set DATABASE_URL to migrate another one.',
    );
  }
  await runMigrations(url);
  console.log('[migrate] migrations applied');
}

runIfMain(import.meta.url, 'migrate', main);
