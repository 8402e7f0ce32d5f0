import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { ReachedSlaLevel } from '../../workflows/vocabulary.js';
import { slaTracking } from '../../db/schema/index.js';
import {
  date,
  notify,
  withAudit,
  type AuditInput,
  type DatabaseObservers,
  type NotificationInput,
} from './shared.js';

/** What recordSlaLevel writes. */
export interface RecordSlaLevelInput {
  slaId: string;
  workflowRowId: string;
  level: ReachedSlaLevel;
  reachedAt: number;
  notification?: NotificationInput;
  audit: AuditInput;
  /**
   * The clock itself, inserted if its row is not there yet: the write that opens it
   * (startAttempt) may be carried by a dispatch still waiting to run.
   */
  clock?: { taskExecutionId: string; slaSeconds: number; startedAt: number; dueAt: number };
}

/** SLA clocks: each level recorded the first time it is reached. */
export function slaWrites(db: Database, observers: DatabaseObservers = {}) {
  return {
    /** Records an SLA level the first time it is reached; ORANGE and BREACHED also notify. */
    async recordSlaLevel(input: RecordSlaLevelInput): Promise<void> {
      const column = {
        YELLOW: slaTracking.yellowAt,
        ORANGE: slaTracking.orangeAt,
        RED: slaTracking.redAt,
        BREACHED: slaTracking.breachedAt,
      }[input.level];
      const key = { YELLOW: 'yellowAt', ORANGE: 'orangeAt', RED: 'redAt', BREACHED: 'breachedAt' }[
        input.level
      ];
      // The threshold time (workflow time, the same on a retry) and the time it was really
      // written (the database's clock): their difference is the alert's lateness.
      const recorded = `${key.replace(/At$/, '')}RecordedAt`;
      const written = await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        if (input.clock) {
          await tx
            .insert(slaTracking)
            .values({
              id: input.slaId,
              taskExecutionId: input.clock.taskExecutionId,
              workflowId: input.workflowRowId,
              slaSeconds: input.clock.slaSeconds,
              startedAt: date(input.clock.startedAt),
              dueAt: date(input.clock.dueAt),
            })
            .onConflictDoNothing();
        }
        const rows = await tx
          .update(slaTracking)
          .set({
            alertLevel: input.level,
            [key]: date(input.reachedAt),
            [recorded]: sql`clock_timestamp()`,
          })
          .where(and(eq(slaTracking.id, input.slaId), sql`${column} IS NULL`))
          .returning({ latenessMs: sql<number>`extract(epoch FROM clock_timestamp()) * 1000` });
        if (input.notification) await notify(tx, input.notification);
        return rows[0];
      });
      // Observed once, by the write that recorded the level (not by a retry).
      if (written) {
        observers.slaAlertLateness?.(input.level, Number(written.latenessMs) - input.reachedAt);
      }
    },
  };
}
