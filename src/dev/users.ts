import path from 'node:path';
import pg from 'pg';
import { mintToken } from '../api/auth/jwt.js';
import { getConfig } from '../config.js';
import { runIfMain } from '../main.js';
import { embeddedDatabaseUrl } from './postgres.js';
import { loadOrCreateSecrets } from './secrets.js';

/** Fixed IDs, so that running this again changes nothing. */
const DEMO = {
  organisation: '0d0d0d0d-0000-4000-8000-00000000a001',
  client: '0d0d0d0d-0000-4000-8000-00000000c001',
  hil: '0d0d0d0d-0000-4000-8000-00000000b001',
  manager: '0d0d0d0d-0000-4000-8000-00000000b002',
} as const;

/**
 * `npm run -s dev-users`: a demo organisation with a client user, an HIL staff member and a
 * manager in the database `npm start` runs, and shell exports of 12-hour tokens for them
 * and of the n8n signing secret. For local use: `eval "$(npm run -s dev-users)"`.
 */
async function main() {
  const config = getConfig();
  const url =
    config.DATABASE_URL ??
    embeddedDatabaseUrl(
      path.join(config.dataDir, 'postgres'),
      config.EMBEDDED_PG_PORT,
      config.EMBEDDED_PG_DATABASE,
    );
  const secrets = loadOrCreateSecrets(config.dataDir);
  const jwtSecret = config.JWT_SECRET ?? secrets.jwtSecret;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO clients (id, name) VALUES ($1, 'Demo Title Co') ON CONFLICT (id) DO NOTHING`,
      [DEMO.organisation],
    );
    const people = [
      [DEMO.client, 'client@demo-title.example', 'CLIENT', 'CLIENT_USER', DEMO.organisation],
      [DEMO.hil, 'hil@rexera.example', 'HIL', 'HIL_STAFF', null],
      [DEMO.manager, 'manager@rexera.example', 'HIL', 'MANAGER', null],
    ] as const;
    for (const [id, email, userType, role, clientId] of people) {
      await client.query(
        `INSERT INTO auth.users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
        [id, email],
      );
      await client.query(
        `INSERT INTO user_profiles (id, email, user_type, role, client_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [id, email, userType, role, clientId],
      );
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const token = (sub: string) => mintToken(jwtSecret, { sub }, '12h');
  console.log(`export API=http://${config.HOST}:${config.PORT}`);
  console.log(`export ORG_ID=${DEMO.organisation}`);
  console.log(`export CLIENT_TOKEN=${await token(DEMO.client)}`);
  console.log(`export HIL_TOKEN=${await token(DEMO.hil)}`);
  console.log(`export MANAGER_TOKEN=${await token(DEMO.manager)}`);
  console.log(`export N8N_HMAC_SECRET=${config.N8N_HMAC_SECRET ?? secrets.n8nHmacSecret}`);
}

runIfMain(import.meta.url, 'dev-users', main);
