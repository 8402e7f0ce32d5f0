import type { Server } from 'node:http';
import { Connection } from '@temporalio/client';
import { createPool } from '../../db/client.js';
import { getConfig } from '../config.js';
import { createLogger } from '../infra/log.js';
import { runIfMain } from '../infra/main.js';
import { createApp } from './app.js';
import { createHealthService } from './health/service.js';

export interface ApiSettings {
  databaseUrl: string;
  temporalAddress: string;
  port: number;
  host: string;
}

/** Starts the API; resolves once it listens. `close` stops it and what it holds. */
export async function startApi(settings: ApiSettings) {
  const log = createLogger('api');
  const pool = createPool(settings.databaseUrl);
  // Lazy: the API starts (and /health answers 503) even while Temporal is down.
  const temporal = Connection.lazy({ address: settings.temporalAddress });
  const app = createApp({
    health: createHealthService({ pool, temporal }),
    log: (m) => log.error(m),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(settings.port, settings.host, () => resolve(s));
    s.once('error', reject);
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await temporal.close();
      await pool.end();
    },
  };
}

async function main() {
  const config = getConfig();
  const log = createLogger('api');
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
    throw new Error('DATABASE_URL and TEMPORAL_ADDRESS must be set (`npm start` sets both).');
  }
  const api = await startApi({
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    port: config.PORT,
    host: config.HOST,
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${config.PORT} (API) is already in use; set PORT to another port.`);
    }
    throw err;
  });
  log.info(`listening on http://${config.HOST}:${config.PORT}`);
  const stop = () => {
    log.info('stopping');
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runIfMain(import.meta.url, 'api', main);
