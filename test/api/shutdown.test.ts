import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream, startTestApi, tokenFor } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from '../helpers/wait.js';
import { seedWorld } from '../helpers/world.js';

// A graceful stop (SIGTERM): event streams are told to reconnect (to another instance) and
// end; a request under way finishes and gets its answer; new connections are refused.

let t: TestDatabase;
let world: Awaited<ReturnType<typeof seedWorld>>;
beforeAll(async () => {
  t = await createTestDatabase();
  world = await seedWorld(t.db);
});
afterAll(() => t.drop());

/** A request whose body is only half sent: it stays under way until `finish` sends the rest. */
function halfSentRequest(url: string, token: string, clientId: string) {
  const body = JSON.stringify({
    workflowType: 'PAYOFF',
    title: 'Payoff for 4 Drain St',
    clientId,
    metadata: { propertyAddress: '4 Drain St', note: 'x'.repeat(200) },
  });
  let finish = () => undefined as unknown;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      `${url}/api/workflows`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 50));
    finish = () => req.end(body.slice(50));
  });
  return { finish: () => finish(), answer };
}

describe('a graceful stop of the API', () => {
  it('tells event streams to reconnect, lets a request under way finish, and takes no new one', async () => {
    const api = await startTestApi({ databaseUrl: t.url });
    const token = await tokenFor(world.people.hil);
    const stream = openEventStream(`${api.url}/api/events`, token);
    await eventually('the stream to be ready', async () =>
      Promise.resolve(stream.text.includes('event: ready') ? true : undefined),
    );
    const slow = halfSentRequest(api.url, token, world.orgA.id);
    await new Promise((r) => setTimeout(r, 200));

    const closing = api.close(5_000);
    await eventually('the stream to be told to reconnect, and ended', async () =>
      Promise.resolve(stream.ended ? true : undefined),
    );
    expect(stream.text).toContain('retry: 1000');
    expect(stream.text).toContain('event: reconnect');
    // New connections are refused while the request under way is still running.
    await expect(fetch(`${api.url}/health`)).rejects.toThrow();

    slow.finish();
    const answered = await slow.answer;
    // It was answered, not cut off: the workflow was created and started.
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body)).toMatchObject({
      workflow: { title: 'Payoff for 4 Drain St' },
    });
    await closing;
  });
});
