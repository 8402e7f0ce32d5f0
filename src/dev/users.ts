import path from 'node:path';
import pg from 'pg';
import { mintToken } from '../api/auth/jwt.js';
import { DEMO_ORGANISATION, DEMO_USERS, ensureDemoUsers } from '../api/dev/demo-users.js';
import { getConfig } from '../config.js';
import { runIfMain } from '../main.js';
import { embeddedDatabaseUrl } from './postgres.js';
import { loadOrCreateSecrets } from './secrets.js';

/**
 * `npm run -s dev-users`: a demo organisation with a client user, two HIL staff members and a
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
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await ensureDemoUsers(pool);
  } finally {
    await pool.end();
  }
  const token = (sub: string) => mintToken(jwtSecret, { sub }, '12h');
  console.log(`export API=http://${config.HOST}:${config.PORT}`);
  console.log(`export ORG_ID=${DEMO_ORGANISATION.id}`);
  for (const user of DEMO_USERS) {
    console.log(`export ${user.key.toUpperCase()}_TOKEN=${await token(user.id)}`);
  }
  console.log(`export N8N_HMAC_SECRET=${config.N8N_HMAC_SECRET ?? secrets.n8nHmacSecret}`);
}

runIfMain(import.meta.url, 'dev-users', main);
