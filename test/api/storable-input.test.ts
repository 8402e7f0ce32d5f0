import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/api/errors.js';
import { call, signedHeaders, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { seedWorld } from '../helpers/world.js';

// Strings PostgreSQL refuses (NUL: text and jsonb; a lone surrogate: jsonb, and text silently
// turns it into U+FFFD), JSON nested so deep that serialising it overflows the stack, and
// token claims that RLS reads as jsonb: each is a 400 (401 for the token) naming the field,
// from parseRequest (one rule, workflows/storable.ts), and nothing is written.

let t: TestDatabase;
let api: Awaited<ReturnType<typeof startTestApi>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
let temporal: Connection;
const tokens = {} as Record<'client' | 'hil', string>;
let escalationId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  api = await startTestApi({ databaseUrl: t.url });
  world = await seedWorld(t.db);
  tokens.client = await tokenFor(world.people.clientA);
  tokens.hil = await tokenFor(world.people.hil);
  const { rows } = await t.pool.query<{ id: string }>(
    'SELECT id FROM escalations WHERE workflow_id = $1',
    [world.workflowIds.A],
  );
  escalationId = rows[0]!.id;
  temporal = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  // The workflows the control cases started (no worker runs their task queue).
  const { rows } = await t.pool.query<{ id: string }>(
    "SELECT temporal_workflow_id AS id FROM workflows WHERE title LIKE 'storable %' AND temporal_workflow_id IS NOT NULL",
  );
  const client = new Client({ connection: temporal });
  for (const { id } of rows) {
    await client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  }
  await temporal?.close();
  await api?.close();
  await t?.drop();
});

/** Rows of every table an API request could write (directly or through a workflow). */
async function rowCounts(): Promise<string> {
  const { rows } = await t.pool.query<{ n: string }>(
    `SELECT concat_ws(',', (SELECT count(*) FROM workflows), (SELECT count(*) FROM audit_events),
       (SELECT count(*) FROM task_executions), (SELECT count(*) FROM escalations),
       (SELECT count(*) FROM documents), (SELECT count(*) FROM communications)) AS n`,
  );
  return rows[0]!.n;
}

/** POSTs raw JSON text (so that escapes such as \ud800 reach the server as written). */
function postRaw(path: string, json: string, headers: Record<string, string>) {
  return call(`${api.url}${path}`, { body: json, headers });
}

const asClient = () => ({
  'content-type': 'application/json',
  authorization: `Bearer ${tokens.client}`,
});
const asHil = () => ({ 'content-type': 'application/json', authorization: `Bearer ${tokens.hil}` });

function expect400(res: Awaited<ReturnType<typeof call>>, field: string, why: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error!.code).toBe('VALIDATION_FAILED');
  expect(res.body.error!.message).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
  expect(res.body.error!.message).toMatch(why);
  expect(res.body.error).toMatchObject({ details: { fields: [field] } });
}

const NUL = /must not contain a NUL character/;
const SURROGATE = /lone surrogate/;

describe('POST /api/workflows', () => {
  const base = { workflowType: 'PAYOFF', title: 'storable 12 Elm St' };

  it('refuses a NUL in the title, the description, a metadata value or key, as 400 naming the field, and writes nothing', async () => {
    const before = await rowCounts();
    const cases: [unknown, string][] = [
      [{ ...base, title: '12 Elm\u0000St' }, 'body.title'],
      [{ ...base, description: 'Call\u0000the bank' }, 'body.description'],
      [{ ...base, metadata: { address: '12 Elm\u0000St' } }, 'body.metadata.address'],
      [{ ...base, metadata: { lines: ['a', { zip: '0\u0000' }] } }, 'body.metadata.lines.1.zip'],
      [{ ...base, metadata: { 'loan\u0000number': 'LN-1' } }, 'body.metadata.loan\u0000number'],
    ];
    for (const [body, field] of cases) {
      const res = await call(`${api.url}/api/workflows`, { token: tokens.client, body });
      expect400(res, field, NUL);
    }
    expect(await rowCounts()).toBe(before);
  });

  it('refuses a lone surrogate (which text would store as U+FFFD and jsonb refuses)', async () => {
    const before = await rowCounts();
    const title = await postRaw(
      '/api/workflows',
      '{"workflowType":"PAYOFF","title":"12 Elm \\ud800 St"}',
      asClient(),
    );
    expect400(title, 'body.title', SURROGATE);
    const key = await postRaw(
      '/api/workflows',
      '{"workflowType":"PAYOFF","title":"x","metadata":{"a":{"\\udc00":1}}}',
      asClient(),
    );
    expect400(key, 'body.metadata.a.\udc00', SURROGATE);
    // A well-formed pair (an emoji) is fine, and stored as sent.
    const ok = await postRaw(
      '/api/workflows',
      '{"workflowType":"PAYOFF","title":"storable \\ud83c\\udfe0 12 Elm St"}',
      asClient(),
    );
    expect(ok.status).toBe(201);
    const id = (ok.body.workflow as { id: string }).id;
    const { rows } = await t.pool.query<{ title: string }>(
      'SELECT title FROM workflows WHERE id = $1',
      [id],
    );
    expect(rows[0]!.title).toBe('storable \u{1F3E0} 12 Elm St');
    expect(await rowCounts()).not.toBe(before); // the control case did write
  });

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels (serialising it for PostgreSQL would overflow the stack), accepts it at the limit`, async () => {
    /** metadata as `levels` objects, one inside the other (the body itself is level 1). */
    const withMetadata = (levels: number) =>
      `{"workflowType":"PAYOFF","title":"storable deep","metadata":${'{"a":'.repeat(levels)}"x"${'}'.repeat(levels)}}`;
    const before = await rowCounts();
    for (const levels of [5_000, MAX_JSON_DEPTH]) {
      const deep = await postRaw('/api/workflows', withMetadata(levels), asClient());
      expect(deep.status).toBe(400);
      expect(deep.body.error!.message).toMatch(
        new RegExp(
          `^body\\.metadata(\\.a){${MAX_JSON_DEPTH - 1}}: must not be nested deeper than ${MAX_JSON_DEPTH} levels`,
        ),
      );
    }
    expect(await rowCounts()).toBe(before);
    const atLimit = await postRaw('/api/workflows', withMetadata(MAX_JSON_DEPTH - 1), asClient());
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(201);
  });

  it('refuses a NUL in the Idempotency-Key header (Node refuses it before us) and writes nothing', async () => {
    const before = await rowCounts();
    const body = JSON.stringify(base);
    // fetch will not send such a header; a raw request does.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(api.url).port), '127.0.0.1', () => {
        socket.write(
          `POST /api/workflows HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.client}\r\n` +
            `content-type: application/json\r\nidempotency-key: k\u0000ey\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rowCounts()).toBe(before);
  });
});

describe('query strings and path parameters', () => {
  it('refuses a NUL in a query value or a path parameter, naming it', async () => {
    expect400(
      await call(`${api.url}/api/workflows?clientId=${encodeURIComponent('a\u0000')}`, {
        token: tokens.client,
      }),
      'query.clientId',
      NUL,
    );
    expect400(
      await call(`${api.url}/api/escalations?assignedTo=%00`, { token: tokens.hil }),
      'query.assignedTo',
      NUL,
    );
    expect400(
      await call(`${api.url}/api/workflows/%00`, { token: tokens.client }),
      'params.id',
      NUL,
    );
    const before = await rowCounts();
    expect400(
      await call(`${api.url}/api/workflows/${world.workflowIds.A}%00/cancel`, {
        token: tokens.client,
        body: { reason: 'x' },
      }),
      'params.id',
      NUL,
    );
    expect(await rowCounts()).toBe(before);
  });

  it('refuses limit and offset beyond their range (they reach LIMIT/OFFSET as integers)', async () => {
    for (const q of ['limit=0', 'limit=201', 'limit=1.5', 'limit=1e400', 'offset=-1']) {
      const res = await call(`${api.url}/api/workflows?${q}`, { token: tokens.client });
      expect(res.status, q).toBe(400);
      expect(res.body.error!.message, q).toMatch(/^query\.(limit|offset): /);
    }
    for (const q of ['offset=1000001', 'offset=2147483648', 'offset=99999999999999999999']) {
      const res = await call(`${api.url}/api/workflows?${q}`, { token: tokens.client });
      expect(res.status, q).toBe(400);
      expect(res.body.error!.message, q).toMatch(/^query\.offset: /);
    }
    const res = await call(`${api.url}/api/escalations?limit=2147483648`, { token: tokens.hil });
    expect(res.status).toBe(400);
    expect(res.body.error!.message).toMatch(/^query\.limit: /);
  });
});

describe('other routes', () => {
  it('cancel: refuses a NUL in the reason', async () => {
    const before = await rowCounts();
    expect400(
      await call(`${api.url}/api/workflows/${world.workflowIds.A}/cancel`, {
        token: tokens.client,
        body: { reason: 'The sale\u0000fell through' },
      }),
      'body.reason',
      NUL,
    );
    expect(await rowCounts()).toBe(before);
  });

  it('escalations: refuses a NUL in a note, in a COMPLETE output and a lone surrogate in an agent name', async () => {
    const before = await rowCounts();
    const path = (what: string) => `${api.url}/api/escalations/${escalationId}/${what}`;
    expect400(
      await call(path('assign'), { token: tokens.hil, body: { note: 'mine\u0000' } }),
      'body.note',
      NUL,
    );
    expect400(
      await call(path('resolve'), {
        token: tokens.hil,
        body: { action: 'SKIP', note: 'not\u0000needed' },
      }),
      'body.note',
      NUL,
    );
    expect400(
      await call(path('resolve'), {
        token: tokens.hil,
        body: { action: 'COMPLETE', output: { lender: { name: 'First\u0000Federal' } } },
      }),
      'body.output.lender.name',
      NUL,
    );
    expect400(
      await postRaw(
        `/api/escalations/${escalationId}/resolve`,
        '{"action":"RETRY","agent":"Nina\\udbff"}',
        asHil(),
      ),
      'body.agent',
      SURROGATE,
    );
    expect(await rowCounts()).toBe(before);
  });

  it('n8n callbacks: refuses a NUL in an outcome output, an error message, a document filename or metadata', async () => {
    const before = await rowCounts();
    const taskExecutionId = randomUUID();
    const signedPost = (path: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      return call(`${api.url}${path}`, { body, headers: signedHeaders(body) });
    };
    expect400(
      await signedPost('/api/task-outcomes', {
        workflowId: world.workflowIds.A,
        outcome: {
          taskExecutionId,
          attempt: 1,
          status: 'COMPLETED',
          output: { contacts: [{ name: 'Desk\u0000' }] },
        },
      }),
      'body.outcome.output.contacts.0.name',
      NUL,
    );
    expect400(
      await signedPost('/api/task-outcomes', {
        workflowId: world.workflowIds.A,
        outcome: {
          taskExecutionId,
          attempt: 1,
          status: 'FAILED',
          error: { message: 'portal\u0000down', retryable: true },
        },
      }),
      'body.outcome.error.message',
      NUL,
    );
    const document = {
      documentId: randomUUID(),
      kind: 'PAYOFF_STATEMENT',
      filename: 'statement.pdf',
      storageUrl: 's3://docs/statement.pdf',
    };
    const documents = `/api/workflows/${world.workflowIds.A}/documents`;
    expect400(
      await signedPost(documents, { ...document, filename: 'state\u0000ment.pdf' }),
      'body.filename',
      NUL,
    );
    expect400(
      await signedPost(documents, { ...document, metadata: { pages: [{ note: '\u0000' }] } }),
      'body.metadata.pages.0.note',
      NUL,
    );
    const raw = `{"documentId":"${randomUUID()}","kind":"PAYOFF_STATEMENT","filename":"\\ud800.pdf","storageUrl":"s3://x"}`;
    expect400(
      await call(`${api.url}${documents}`, { body: raw, headers: signedHeaders(raw) }),
      'body.filename',
      SURROGATE,
    );
    expect(await rowCounts()).toBe(before);
  });
});

describe('token claims', () => {
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ role: 'authenticated', aud: 'authenticated', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_SECRETS.jwtSecret));

  it('refuses a token whose claims PostgreSQL could not read (RLS reads them as jsonb), naming the claim, on every route', async () => {
    const nul = await sign({
      sub: world.people.clientA,
      user_metadata: { full_name: 'Ann\u0000Lee' },
    });
    const before = await rowCounts();
    for (const [path, body] of [
      ['/api/workflows', undefined],
      ['/api/workflows', { workflowType: 'PAYOFF', title: 'storable x' }],
      ['/api/sla-board', undefined],
    ] as const) {
      const res = await call(`${api.url}${path}`, { token: nul, body });
      expect(res.status, path).toBe(401);
      expect(res.body.error!.message).toMatch(
        /token claim user_metadata\.full_name must not contain a NUL character/,
      );
    }
    const surrogate = await sign({
      sub: world.people.clientA,
      user_metadata: { full_name: 'Ann\ud800' },
    });
    const res = await call(`${api.url}/api/workflows`, { token: surrogate });
    expect(res.status).toBe(401);
    expect(res.body.error!.message).toMatch(/user_metadata\.full_name must be valid Unicode/);
    expect(await rowCounts()).toBe(before);
    // The same user with ordinary claims is served.
    const fine = await sign({ sub: world.people.clientA, user_metadata: { full_name: 'Ann Lee' } });
    expect((await call(`${api.url}/api/workflows`, { token: fine })).status).toBe(200);
  });
});
