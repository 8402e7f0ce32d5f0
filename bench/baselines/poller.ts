// The poller baseline: what the old design did instead of timers. Every interval (5 s), one
// query for the running tasks and their SLA clocks; for each level a clock has passed since
// the last look, the same write the workflow makes (the project's recordSlaLevel: the level,
// its threshold time and the database's clock, the audit event, the HIL or manager message).
// Deliberately charitable: one joined query per tick (no query per task), writes only when a
// level is due, several rows written at once (the pool's connections).
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createDatabaseActivities } from '../../activities/database.js';
import { createDb } from '../../db/client.js';
import {
  REACHED_SLA_LEVELS,
  SLA_THRESHOLDS,
  type ReachedSlaLevel,
  type SlaLevel,
} from '../../workflows/vocabulary.js';
import { thresholdAt } from '../../workflows/business/state.js';

const RUNNING_CLOCKS = `
  SELECT s.id, s.workflow_id, t.id AS task_execution_id, t.task_type, t.title,
         s.alert_level,
         (extract(epoch FROM s.started_at) * 1000)::float8 AS started_ms,
         (extract(epoch FROM s.due_at) * 1000)::float8 AS due_ms
    FROM sla_tracking s
    JOIN task_executions t ON t.id = s.task_execution_id
   WHERE s.status = 'ACTIVE' AND t.status IN ('RUNNING', 'WAITING')`;

interface ClockRow {
  id: string;
  workflow_id: string;
  task_execution_id: string;
  task_type: string;
  title: string;
  alert_level: SlaLevel;
  started_ms: number;
  due_ms: number;
}

export interface Poller {
  /** Ticks run and levels written so far. */
  readonly stats: { ticks: number; levelsWritten: number; errors: number };
  stop(): Promise<void>;
}

/** Starts polling at a fixed rate (the first tick at once); stop() waits for a tick in flight. */
export function startPoller(pool: pg.Pool, opts: { intervalMs: number }): Poller {
  const activities = createDatabaseActivities(createDb(pool));
  const stats = { ticks: 0, levelsWritten: 0, errors: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const act = async (row: ClockRow, now: number) => {
    const from = row.alert_level === 'GREEN' ? 0 : REACHED_SLA_LEVELS.indexOf(row.alert_level) + 1;
    for (const level of REACHED_SLA_LEVELS.slice(from)) {
      const at = thresholdAt({ startedAt: row.started_ms, dueAt: row.due_ms }, level)!;
      if (at > now) return;
      await activities.recordSlaLevel(levelWrite(row, level, at));
      stats.levelsWritten++;
    }
  };

  const tick = async () => {
    stats.ticks++;
    const { rows } = await pool.query<ClockRow>(RUNNING_CLOCKS);
    const now = Date.now();
    await Promise.all(rows.map((row) => act(row, now)));
  };

  const started = Date.now();
  const schedule = (n: number) => {
    if (stopped) return;
    const next = started + n * opts.intervalMs;
    timer = setTimeout(
      () => {
        inFlight = tick()
          .catch(() => void stats.errors++)
          // A tick longer than the interval skips the ticks it overran, like a cron would.
          .finally(() =>
            schedule(Math.max(n + 1, Math.ceil((Date.now() - started) / opts.intervalMs))),
          );
      },
      Math.max(0, next - Date.now()),
    );
  };
  schedule(0);

  return {
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}

function levelWrite(row: ClockRow, level: ReachedSlaLevel, at: number) {
  const pct = Math.round(SLA_THRESHOLDS[level] * 100);
  const message =
    level === 'ORANGE'
      ? { kind: 'SLA_ALERT', team: 'HIL' as const, subject: `SLA ORANGE: ${row.task_type}` }
      : level === 'BREACHED'
        ? {
            kind: 'MANAGER_NOTICE',
            team: 'MANAGERS' as const,
            subject: `SLA BREACHED: ${row.task_type}`,
          }
        : undefined;
  return {
    slaId: row.id,
    workflowRowId: row.workflow_id,
    level,
    reachedAt: at,
    notification: message && {
      id: randomUUID(),
      workflowRowId: row.workflow_id,
      taskExecutionId: row.task_execution_id,
      ...message,
      body: `${row.title} has used ${pct}% of its SLA.`,
      slaLevel: level,
      at,
    },
    audit: {
      id: randomUUID(),
      actorType: 'SYSTEM' as const,
      actorId: 'sla-poller',
      action: 'sla.level_reached',
      resourceType: 'sla_tracking',
      resourceId: row.id,
      eventData: { level, taskType: row.task_type, percent: pct },
      at,
    },
  };
}
