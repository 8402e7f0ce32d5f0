import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { ensureNamespace } from '../../src/dev/cluster.js';
import { ensureSearchAttributes } from '../../src/dev/temporal.js';
import { TEMPORAL_CLI } from '../../src/dev/tools.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes.js';
import { businessWorkflowId } from '../../workflows/business/identity.js';
import { WORKFLOW_TYPES } from '../../workflows/vocabulary.js';
import { checkRows, everyOneMoved, startBatch } from '../faults/batch.js';
import { withFault } from '../faults/scenario.js';
import { progress, useFaultStack, type FaultStack } from '../faults/stack.js';
import { openEventStream } from '../helpers/api.js';
import { insertLegacyRow } from '../helpers/legacy.js';
import { eventually } from '../helpers/wait.js';

// The production Temporal server, really run (src/dev/cluster.ts): PostgreSQL persistence and
// SQL visibility, frontend, two history, matching and worker services each its own process;
// three worker processes and two API processes of ours, n8n and the agent simulator. Time
// runs 60 times faster (WORKFLOW_TIME_SCALE), as in the fault tests.

const stack = useFaultStack({ temporal: 'cluster', workers: 3, apis: 2 });
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function temporalClient(s: FaultStack) {
  const connection = await Connection.connect({ address: s.temporalAddress });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/** Which of our worker processes (by pid, the SDK's default identity) ran each activity. */
async function activityWorkers(s: FaultStack, ids: { id: string }[]) {
  const { rows } = await s.pool.query<{ tid: string }>(
    `SELECT temporal_workflow_id AS tid FROM workflows WHERE id = ANY($1::uuid[])`,
    [ids.map((x) => x.id)],
  );
  const { client, close } = await temporalClient(s);
  const byPid = new Map<number, number>();
  try {
    for (const { tid } of rows) {
      const history = await client.workflow.getHandle(tid).fetchHistory();
      for (const e of history.events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity;
        if (!identity) continue;
        const pid = Number(identity.split('@')[0]);
        byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      }
    }
  } finally {
    await close();
  }
  return byPid;
}

/** The workflow IDs `temporal workflow list` (the official CLI) finds for a query. */
async function cliList(s: FaultStack, query: string): Promise<string[]> {
  const { stdout } = await run(TEMPORAL_CLI, [
    'workflow',
    'list',
    '--address',
    s.temporalAddress,
    '--query',
    query,
    '--output',
    'json',
  ]);
  const text = stdout.trim();
  if (!text) return [];
  // An array, or one JSON object per line, depending on the CLI's version.
  type Item = { execution?: { workflowId?: string } };
  const items: Item[] = text.startsWith('[')
    ? (JSON.parse(text) as Item[])
    : text.split('\n').map((l) => JSON.parse(l) as Item);
  return items.map((x) => x.execution?.workflowId ?? '').filter(Boolean);
}

describe('the stack on the production Temporal server, scaled out', () => {
  it(
    'completes the three workflow types under load, spread over the three worker processes',
    { timeout: 600_000 },
    async () => {
      const s = stack();
      const count = 30;
      const began = Date.now();
      const batch = startBatch(s, count);
      await batch.allCompleted();
      const seconds = (Date.now() - began) / 1000;
      await batch.stop();
      expect(await checkRows(s, batch.ids)).toEqual([]);
      expect(new Set(batch.ids.map((x) => x.type))).toEqual(new Set(WORKFLOW_TYPES));
      // Both API instances took requests; the three workers all ran activities.
      const byPid = await activityWorkers(s, batch.ids);
      const pids = s.workers.map((w) => w.current()!.pid);
      progress(
        `${count} workflows in ${seconds.toFixed(1)} s (${((count / seconds) * 60).toFixed(1)} per minute); activities per worker: ${pids.map((p) => byPid.get(p) ?? 0).join(', ')}`,
      );
      for (const pid of pids) expect(byPid.get(pid) ?? 0).toBeGreaterThan(0);
      expect([...byPid.keys()].every((pid) => pids.includes(pid))).toBe(true);
    },
  );

  it(
    'finds workflows by our search attributes on SQL visibility (RexeraSlaLevel="RED"), with the SDK and the official CLI',
    { timeout: 300_000 },
    async () => {
      const s = stack();
      // Rows of the old design, adopted: three at 96% of their task's SLA (RED at once), three
      // at 85% (ORANGE). Their agents never answer, so the levels stay while we look.
      const seeded: { id: string; type: (typeof WORKFLOW_TYPES)[number]; red: boolean }[] = [];
      for (const type of WORKFLOW_TYPES) {
        for (const red of [true, false]) {
          const { id } = await insertLegacyRow(s.db, {
            type,
            state: 'running-at-85',
            clientId: s.clientId,
            now: Date.now(),
            slaFraction: red ? 0.96 : 0.85,
          });
          s.sim.rules.unshift({ workflowId: id, behaviour: 'timeout' });
          seeded.push({ id, type, red });
        }
      }
      // `npm run adopt`, as an operator runs it (real time: the clocks are the rows' own).
      const adopt = await run(
        process.execPath,
        ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/adopt.ts'), '--client', s.clientId],
        { env: { ...s.env, WORKFLOW_TIME_SCALE: '1' }, cwd: PROJECT_ROOT },
      );
      expect(adopt.stdout).toContain('adopted: 6');
      const ids = (red: boolean) =>
        seeded
          .filter((x) => x.red === red)
          .map((x) => businessWorkflowId(x.type, x.id))
          .sort();
      const ours = new Set([...ids(true), ...ids(false)]);
      const mine = (found: string[]) => found.filter((x) => ours.has(x)).sort();

      const { client, close } = await temporalClient(s);
      try {
        const sdkList = async (query: string) => {
          const found: string[] = [];
          for await (const w of client.workflow.list({ query })) found.push(w.workflowId);
          return mine(found);
        };
        await eventually('the RED ones listed by RexeraSlaLevel="RED"', async () => {
          const found = await sdkList('RexeraSlaLevel="RED"');
          return found.length === 3 ? found : undefined;
        });
        expect(await sdkList('RexeraSlaLevel="RED"')).toEqual(ids(true));
        expect(await sdkList('RexeraSlaLevel="ORANGE"')).toEqual(ids(false));
        expect(mine(await cliList(s, 'RexeraSlaLevel="RED"'))).toEqual(ids(true));
        expect(
          mine(await cliList(s, 'RexeraSlaLevel="ORANGE" AND ExecutionStatus="Running"')),
        ).toEqual(ids(false));
      } finally {
        await close();
      }
      // They are no part of the next tests' batches: end them.
      for (const x of seeded) {
        await run(TEMPORAL_CLI, [
          'workflow',
          'terminate',
          '--address',
          s.temporalAddress,
          '--workflow-id',
          businessWorkflowId(x.type, x.id),
          '--reason',
          'cluster test done',
        ]);
      }
    },
  );

  it(
    'loses and duplicates nothing when one worker process and one history service are SIGKILLed mid-batch',
    { timeout: 600_000 },
    async () => {
      const s = stack();
      let recovered = 0;
      await withFault(stack, 'cluster: worker-2 and history-1 SIGKILL', async (ids) => {
        const killedAt = Date.now();
        await Promise.all([
          s.workers[1]!.kill('SIGKILL'),
          s.cluster.service('history-1').kill('SIGKILL'),
        ]);
        // The other history service takes the shards over; the other workers the tasks.
        recovered = await everyOneMoved(s, ids, killedAt);
        progress(`every open workflow of the batch moved on within ${recovered} ms of the kills`);
        await sleep(5_000);
        await s.cluster.service('history-1').start();
        await s.workers[1]!.start();
      });
      expect(recovered).toBeGreaterThan(0);
    },
  );

  it(
    'loses nothing in a rolling restart of all three workers mid-batch',
    { timeout: 600_000 },
    async () => {
      const s = stack();
      await withFault(stack, 'cluster: rolling restart of the workers', async () => {
        for (const w of s.workers) {
          await w.kill('SIGTERM');
          await w.start();
          await sleep(2_000);
        }
      });
    },
  );

  it(
    'answers consistently from both API instances: an outcome posted to one is seen on the other’s event stream',
    { timeout: 300_000 },
    async () => {
      const s = stack();
      const [first, second] = s.apiUrls as [string, string];
      const created = await fetch(`${first}/api/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
        body: JSON.stringify({
          workflowType: 'MUNICIPAL_LIEN_SEARCH',
          title: 'Lien search for 1 Two-Instances Rd',
          metadata: { propertyAddress: '1 Two-Instances Rd' },
        }),
      });
      expect(created.status).toBe(201);
      const { workflow } = (await created.json()) as { workflow: { id: string } };
      // The stream on the second instance; n8n posts the outcomes to the first (its callback).
      const events = openEventStream(`${second}/api/workflows/${workflow.id}/events`, s.token);
      try {
        await eventually(
          'a completed task seen on the second instance',
          async () => {
            const { rows } = await s.pool.query<{ id: string }>(
              `SELECT id FROM task_executions WHERE workflow_id = $1 AND status = 'COMPLETED'`,
              [workflow.id],
            );
            const seen = rows.filter((r) => events.text.includes(r.id));
            return seen.length > 0 ? seen : undefined;
          },
          120_000,
        );
        const [a, b] = await Promise.all(
          [first, second].map(async (url) => {
            const res = await fetch(`${url}/api/workflows/${workflow.id}`, {
              headers: { authorization: `Bearer ${s.token}` },
            });
            expect(res.status).toBe(200);
            return ((await res.json()) as { workflow: { id: string; workflowType: string } })
              .workflow;
          }),
        );
        expect(a).toMatchObject({ id: workflow.id, workflowType: 'MUNICIPAL_LIEN_SEARCH' });
        expect(b).toMatchObject({ id: workflow.id, workflowType: 'MUNICIPAL_LIEN_SEARCH' });
      } finally {
        events.close();
      }
    },
  );
});

describe('two launchers, deploy jobs or replicas starting at once', () => {
  it('register the namespace and our search attributes once, neither failing', async () => {
    const s = stack();
    const namespace = `second-${Date.now()}`;
    await Promise.all([
      ensureNamespace(s.temporalAddress, namespace),
      ensureNamespace(s.temporalAddress, namespace),
    ]);
    const added = await Promise.all([
      ensureSearchAttributes(s.temporalAddress, namespace),
      ensureSearchAttributes(s.temporalAddress, namespace),
    ]);
    // Between them they added each attribute (one may have added all of them, or each some).
    expect(new Set(added.flat())).toEqual(new Set(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name)));
    const connection = await Connection.connect({ address: s.temporalAddress });
    try {
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      for (const key of SEARCH_ATTRIBUTE_KEYS) {
        expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);
      }
    } finally {
      await connection.close();
    }
    // A third, later, finds nothing to do.
    expect(await ensureSearchAttributes(s.temporalAddress, namespace)).toEqual([]);
  });
});
