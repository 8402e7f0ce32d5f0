import pg from 'pg';
import { z } from 'zod';

/** One change announced by the database (see the workflow_change_notifications migration). */
export const changeSchema = z.looseObject({
  workflowId: z.uuid(),
  table: z.string(),
  op: z.string(),
  id: z.uuid(),
  at: z.string(),
});
export type Change = z.infer<typeof changeSchema>;

export const CHANNEL = 'workflow_events';

/**
 * One LISTEN connection per API process, fanned out to the subscribers of each workflow.
 * Reconnects (with a short pause) if the database connection drops.
 */
export function createEventHub(databaseUrl: string, log: (m: string) => void) {
  const subscribers = new Map<string, Set<(change: Change) => void>>();
  let client: pg.Client | undefined;
  let closed = false;

  async function connect(): Promise<void> {
    const c = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'rexera-api-events',
    });
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      const parsed = changeSchema.safeParse(JSON.parse(msg.payload));
      if (!parsed.success) return;
      for (const push of subscribers.get(parsed.data.workflowId) ?? []) push(parsed.data);
    });
    c.on('error', (err) => {
      log(`event listener lost its connection: ${err.message}`);
      client = undefined;
      void c.end().catch(() => undefined);
      setTimeout(keepConnecting, 1000).unref();
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
  }

  /** Connects, retrying every second until it works: the API starts even while Postgres is down. */
  function keepConnecting(): void {
    if (closed) return;
    connect().catch((err: unknown) => {
      log(`event listener cannot connect yet: ${String((err as Error).message)}`);
      setTimeout(keepConnecting, 1000).unref();
    });
  }

  return {
    start: keepConnecting,
    /** Calls `push` for every change of the workflow until the returned function is called. */
    subscribe(workflowId: string, push: (change: Change) => void): () => void {
      const set = subscribers.get(workflowId) ?? new Set();
      set.add(push);
      subscribers.set(workflowId, set);
      return () => {
        set.delete(push);
        if (set.size === 0) subscribers.delete(workflowId);
      };
    },
    subscriberCount: () => [...subscribers.values()].reduce((n, s) => n + s.size, 0),
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
