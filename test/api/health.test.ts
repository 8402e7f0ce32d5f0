import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getFreePort } from '../../src/dev/ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/dev/postgres.js';
import { startTestApi } from '../helpers/api.js';
import { tempDataDir } from '../helpers/embedded.js';

// This file stops PostgreSQL on purpose, so it runs a cluster of its own.
describe('GET /health', () => {
  const data = tempDataDir('health');
  const pgDir = path.join(data.dir, 'pg');
  let pgPort: number;
  let pg: EmbeddedPostgres | undefined;

  beforeAll(async () => {
    pgPort = await getFreePort();
    pg = await startEmbeddedPostgres({
      dataDir: pgDir,
      port: pgPort,
      database: 'health',
      ephemeral: true,
    });
  });
  afterAll(async () => {
    await pg?.stop();
    data.remove();
  });

  async function getHealth(temporalAddress: string) {
    const api = await startTestApi({ databaseUrl: pg!.url, temporalAddress });
    try {
      const res = await fetch(`${api.url}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, { ok: boolean }> };
    } finally {
      await api.close();
    }
  }

  it('answers 200 while Postgres and Temporal are up, 503 naming Postgres once it stops, 200 after it is back', async () => {
    const temporal = inject('temporalAddress');
    const up = await getHealth(temporal);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: 'ok', postgres: { ok: true }, temporal: { ok: true } });

    await pg!.stop();
    const down = await getHealth(temporal);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'degraded',
      postgres: { ok: false },
      temporal: { ok: true },
    });

    pg = await startEmbeddedPostgres({
      dataDir: pgDir,
      port: pgPort,
      database: 'health',
      ephemeral: true,
    });
    expect((await getHealth(temporal)).status).toBe(200);
  });

  it('answers 503 naming Temporal when nothing answers at TEMPORAL_ADDRESS', async () => {
    const res = await getHealth(`127.0.0.1:${await getFreePort()}`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ postgres: { ok: true }, temporal: { ok: false } });
  });
});
