import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { getFreePort, PortInUseError } from '../../src/dev/ports.js';
import { startEmbeddedPostgres } from '../../src/dev/postgres.js';
import { tempDataDir } from '../helpers/embedded.js';

describe('the embedded PostgreSQL launcher', () => {
  const data = tempDataDir('pg');
  afterAll(() => data.remove());

  it('keeps the data across a stop and a second start', async () => {
    const port = await getFreePort();
    const opts = { dataDir: path.join(data.dir, 'pg'), port, database: 'keep' };
    const first = await startEmbeddedPostgres(opts);
    const c1 = new pg.Client({ connectionString: first.url });
    await c1.connect();
    await c1.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`);
    await c1.end();
    await first.stop();
    expect(first.process.hasExited()).toBe(true);

    const second = await startEmbeddedPostgres(opts);
    try {
      expect(second.url).toBe(first.url);
      const c2 = new pg.Client({ connectionString: second.url });
      await c2.connect();
      const { rows } = await c2.query('SELECT v FROM kept');
      await c2.end();
      expect(rows).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
  });

  it('refuses a password-less connection over TCP (a random password is kept beside the data)', async () => {
    const port = await getFreePort();
    const server = await startEmbeddedPostgres({
      dataDir: path.join(data.dir, 'pw'),
      port,
      database: 'pw',
    });
    try {
      const client = new pg.Client({
        connectionString: `postgres://postgres:wrong@127.0.0.1:${port}/pw`,
      });
      await expect(client.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await server.stop();
    }
  });

  it('names the port and the setting when the port is taken', async () => {
    const blocker = net.createServer();
    const port = await getFreePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const attempt = startEmbeddedPostgres({
        dataDir: path.join(data.dir, 'busy'),
        port,
        database: 'x',
      });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(
        new RegExp(`Port ${port} \\(embedded PostgreSQL\\).*EMBEDDED_PG_PORT`),
      );
    } finally {
      blocker.close();
    }
  });
});
