import type { Channel } from '../definitions/index.js';
import type { EscalationTrigger, ExecutorType, ReachedSlaLevel } from '../vocabulary.js';

// What the adopt CLI read of a row the old design (the poller) wrote: the input of the
// workflow that takes it over (adopt.ts). Plain data, a replay contract like messages.ts.

/** One task_executions row of the old design. */
export interface AdoptedAttempt {
  taskExecutionId: string;
  attempt: number;
  status: 'PENDING' | 'RUNNING' | 'WAITING' | 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';
  executor: ExecutorType;
  agent?: string;
  channel?: Channel;
  startedAt?: number;
  output?: Record<string, unknown>;
  error?: { message: string; retryable: boolean };
}

/** What the old design left of one step: its attempts, its SLA clock, its open escalation. */
export interface AdoptedStep {
  index: number;
  attempts: AdoptedAttempt[];
  sla?: {
    id: string;
    startedAt: number;
    dueAt: number;
    /** Levels the old design recorded, and when. */
    reached: Partial<Record<ReachedSlaLevel, number>>;
  };
  escalation?: {
    id: string;
    trigger: EscalationTrigger;
    reason: string;
    openedAt: number;
    assignedTo?: string;
  };
}

/** A row written the old way, as the adopt CLI read it. */
export interface AdoptedFacts {
  /** workflows.started_at (or created_at). */
  startedAt: number;
  /** workflows.due_at, if set. */
  dueAt?: number;
  steps: AdoptedStep[];
}
