import pg from 'pg';
import { z } from 'zod';
import { APPLICATION_NAMES } from '../../../db/client.js';

/** One change announced by the database (see the workflow_change_notifications migration). */
const changeSchema = z.looseObject({
  workflowId: z.uuid(),
  table: z.string(),
  op: z.string(),
  id: z.uuid(),
  at: z.string(),
});
export type Change = z.infer<typeof changeSchema>;

const CHANNEL = 'workflow_events';

/** The subscription key of every workflow's changes (the console's queue and board). */
export const EVERY_WORKFLOW = '*';

/** Pause between two attempts to (re)connect the LISTEN connection. */
const RECONNECT_DELAY_MS = 1_000;

export interface Subscriber {
  /** A change of the workflow. */
  change: (change: Change) => void;
  /**
   * The LISTEN connection was lost and is back: changes made meanwhile were not announced,
   * so what the subscriber shows may be out of date (re-read it).
   */
  gap: () => void;
  /** This API instance is shutting down: tell the client to reconnect (to another instance). */
  closing?: () => void;
}

/**
 * One LISTEN connection per API process, fanned out to the subscribers of each workflow.
 * Reconnects (every second) whenever the connection drops, ends or cannot be made, so a
 * PostgreSQL restart costs the streams a `gap`, never the process; no event of a broken
 * connection is left unhandled.
 */
export function createEventHub(
  databaseUrl: string,
  log: (m: string) => void,
  opts: { connectTimeoutMs?: number; reconnectDelayMs?: number } = {},
) {
  const subscribers = new Map<string, Set<Subscriber>>();
  const reconnectDelayMs = opts.reconnectDelayMs ?? RECONNECT_DELAY_MS;
  let client: pg.Client | undefined;
  let closed = false;
  let connecting = false;
  let timer: NodeJS.Timeout | undefined;
  /** Whether a connection was lost since the last one was made (subscribers get a gap). */
  let lostOne = false;

  function onNotification(msg: pg.Notification): void {
    if (msg.channel !== CHANNEL || !msg.payload) return;
    let payload: unknown;
    try {
      payload = JSON.parse(msg.payload);
    } catch {
      return; // Anyone may NOTIFY this channel: a malformed payload is ignored.
    }
    const parsed = changeSchema.safeParse(payload);
    if (!parsed.success) return;
    for (const s of subscribers.get(parsed.data.workflowId) ?? []) s.change(parsed.data);
    for (const s of subscribers.get(EVERY_WORKFLOW) ?? []) s.change(parsed.data);
  }

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: databaseUrl,
      application_name: APPLICATION_NAMES.apiEvents,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      // Only LISTEN runs on it: a frozen server must not hold a reconnection forever.
      query_timeout: 5_000,
      keepAlive: true,
    });
    let dead = false;
    const lost = (why: string) => {
      dead = true;
      // Only the live connection counts; a failed attempt is retried by `attempt` itself.
      if (client !== c) return;
      client = undefined;
      lostOne = true;
      log(`event listener lost its connection (${why}); reconnecting`);
      void c.end().catch(() => undefined);
      schedule();
    };
    c.on('error', (err) => lost(err.message));
    c.on('end', () => lost('connection ended'));
    c.on('notification', onNotification);
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      if (dead) throw new Error('connection lost while it was being made');
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    return c;
  }

  async function attempt(): Promise<void> {
    if (closed || connecting || client) return;
    connecting = true;
    try {
      const c = await connect();
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      if (lostOne) {
        lostOne = false;
        for (const set of subscribers.values()) for (const s of set) s.gap();
      }
    } catch (err) {
      log(`event listener cannot connect yet: ${String((err as Error).message)}`);
    } finally {
      connecting = false;
    }
    if (!client) schedule();
  }

  function schedule(): void {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void attempt();
    }, reconnectDelayMs);
    timer.unref();
  }

  return {
    /** Connects, retrying every second until it works: the API starts even while Postgres is down. */
    start(): void {
      void attempt();
    },
    /**
     * Calls the subscriber for every change of the workflow (of every workflow, with
     * EVERY_WORKFLOW) until the returned function is called.
     */
    subscribe(workflowId: string, subscriber: Subscriber): () => void {
      const set = subscribers.get(workflowId) ?? new Set();
      set.add(subscriber);
      subscribers.set(workflowId, set);
      return () => {
        set.delete(subscriber);
        if (set.size === 0) subscribers.delete(workflowId);
      };
    },
    subscriberCount: () => [...subscribers.values()].reduce((n, s) => n + s.size, 0),
    /** Ends every stream, each told to reconnect (a graceful shutdown). */
    disconnectAll(): void {
      for (const set of [...subscribers.values()]) for (const s of [...set]) s.closing?.();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
