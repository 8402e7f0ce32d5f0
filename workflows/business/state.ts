import { uuid4 } from '@temporalio/workflow';
import {
  totalSla,
  type Channel,
  type Priority,
  type StepDefinition,
  type WorkflowDefinition,
  type WorkflowType,
} from '../definitions/index.js';
import {
  ALWAYS_OPEN,
  thresholdInstant,
  type BusinessCalendar,
  type CountedClock,
} from '../calendar/index.js';
import {
  SLA_THRESHOLDS,
  type EscalationTrigger,
  type ExecutorType,
  type ReachedSlaLevel,
  type SlaCounts,
  type SlaPauseReason,
} from '../vocabulary.js';
import type { AdoptedFacts } from './adoption-facts.js';
import type {
  CancelRequest,
  DocumentReceived,
  EscalationAssignment,
  EscalationResolution,
  TaskOutcome,
} from './messages.js';

export interface BusinessWorkflowInput {
  /** workflows.id of the row this Temporal workflow owns. */
  workflowRowId: string;
  workflowType: WorkflowType;
  definitionVersion: number;
  priority: Priority;
  clientId: string;
  /** Property address, loan number, ... (handed to the agents). */
  metadata: Record<string, unknown>;
  /** For the Temporal UI's details only (absent in workflows started before). */
  clientName?: string;
  /** The row's title, for the Temporal UI's details only (absent before). */
  title?: string;
  /** Continue-as-new after this many history events (default: when the server suggests it). */
  maxHistoryEvents?: number;
  /**
   * Multiplies every duration of the definition (SLAs, backoffs, follow-up and reminder
   * intervals, outcome deadlines). Absent (1) in production; demos, benchmarks and the fault
   * tests shrink time with it on the real servers (see atTimeScale).
   */
  timeScale?: number;
  /** Carried across continue-as-new; absent on the first run. */
  resume?: BusinessState;
  /**
   * A row the old design started, as the adopt CLI read it (the cut-over): the workflow takes
   * it over where it stood (adopt.ts). Absent for rows this system started.
   */
  adopt?: AdoptedFacts;
}

export interface BusinessWorkflowResult {
  status: 'COMPLETED' | 'CANCELLED';
  completedSteps: string[];
  skippedSteps: string[];
}

/**
 * The business workflow's signature. Continue-as-new is typed by it, so that nothing in this
 * folder imports the entry file (workflow.ts).
 */
export type BusinessWorkflow = (input: BusinessWorkflowInput) => Promise<BusinessWorkflowResult>;

export interface Attempt {
  taskExecutionId: string;
  attempt: number;
  executor: ExecutorType;
  /** PENDING: row exists; WAITING: waiting for an inbound event; RUNNING: dispatched; DONE: terminal. */
  phase: 'PENDING' | 'WAITING' | 'RUNNING' | 'DONE';
  agent?: string;
  channel?: Channel;
  /** The HIL decision that created this attempt (agent or channel chosen by a person). */
  override?: { agent?: string; channel?: Channel; note?: string };
  /**
   * When n8n took the dispatch, plus the step's outcome deadline: with no outcome by then the
   * attempt counts as lost (FAILED, retryable) and the retry policy runs. Absent for attempts
   * dispatched by code from before the deadline existed.
   */
  outcomeDueAt?: number;
}

export interface SlaClock {
  slaId: string;
  startedAt: number;
  dueAt: number;
  reached: ReachedSlaLevel[];
  /**
   * Audit and notification IDs per level, chosen when the clock opens: the ladder runs
   * beside the main flow, so a level being written at a continue-as-new is written again
   * after it with the same IDs (no second row).
   */
  ids: Record<ReachedSlaLevel, { audit: string; notification: string }>;
  /**
   * How the clock counts, for clocks of steps whose definition has an SLA clock rule (version
   * 3 on). Absent: wall-clock time from startedAt to dueAt, never paused (the code before).
   * dueAt is then the due instant as last computed (it moves on a resume or a calendar change).
   */
  counting?: SlaCounting;
}

/** A clock that counts working (or all) time and can stop. */
export interface SlaCounting {
  /** BUSINESS counts in the run's calendar (BusinessState.calendar); CALENDAR counts 24/7. */
  counts: SlaCounts;
  clock: CountedClock;
  /** The open pause, while the clock is stopped. */
  pause?: { id: string; reason: SlaPauseReason; at: number };
}

/** The business calendar a run counts its BUSINESS clocks in, as last read. */
export interface RunCalendar extends BusinessCalendar {
  id: string;
  version: number;
  name: string;
}

/**
 * The workflow time at which a clock reaches `level`: its share of the clock's span, or, for
 * a counting clock, of its counted time in `calendar` (undefined while it is paused).
 */
export function thresholdAt(
  clock: Pick<SlaClock, 'startedAt' | 'dueAt' | 'counting'>,
  level: ReachedSlaLevel,
  calendar: BusinessCalendar = ALWAYS_OPEN,
): number | undefined {
  if (clock.counting) {
    const cal = clock.counting.counts === 'BUSINESS' ? calendar : ALWAYS_OPEN;
    return thresholdInstant(cal, clock.counting.clock, SLA_THRESHOLDS[level]);
  }
  return clock.startedAt + Math.round((clock.dueAt - clock.startedAt) * SLA_THRESHOLDS[level]);
}

export interface StepState {
  status: 'PENDING' | 'RUNNING' | 'WAITING' | 'ESCALATED' | 'COMPLETED' | 'SKIPPED' | 'CANCELLED';
  attempts: Attempt[];
  sla?: SlaClock;
  /** RED reached and not yet turned into an escalation. */
  slaRedPending: boolean;
  followUpsSent: number;
  nextFollowUpAt?: number;
}

export interface OpenEscalation {
  id: string;
  stepIndex: number;
  taskExecutionId: string;
  /**
   * INBOUND_TIMEOUT only for a wait whose SLA clock is paused (its ladder cannot go RED):
   * opened when its follow-ups are spent and the counterparty is still silent.
   */
  trigger: EscalationTrigger;
  reason: string;
  openedAt: number;
  remindersSent: number;
  opened: boolean;
  resolution?: EscalationResolution;
  /** Who works it (written to the row). */
  assignedTo?: string;
  /** Being closed as superseded: no decision or assignment is taken any more. */
  closing?: boolean;
  /**
   * A manager marked it as waiting on a third party: the step's clock stops (if its
   * definition says so) until the hold is lifted or the escalation closes.
   */
  hold?: { userId: string; note?: string; at: number };
  /** Assignments accepted by the Update and not yet written, in the order they came. */
  pendingAssignments?: EscalationAssignment[];
}

export interface ReceivedDocument extends DocumentReceived {
  receivedAt: number;
  recorded: boolean;
  /** Chosen on receipt, for the same reason as SlaClock.ids. */
  auditId: string;
}

export interface BusinessState {
  initialized: boolean;
  startedAt: number;
  dueAt: number;
  stepIndex: number;
  steps: StepState[];
  /** Output of each completed step, by taskType. */
  outputs: Record<string, Record<string, unknown>>;
  /** Applied outcomes by task execution ID (canonical JSON), to tell duplicates from stale ones. */
  appliedOutcomes: Record<string, string>;
  /** The outcome waiting for the main loop, if any. */
  pendingOutcome?: TaskOutcome;
  escalation?: OpenEscalation;
  /** Escalations already resolved: ID -> the decision (a repeat of it is a duplicate). */
  resolvedEscalations: Record<string, { action: string; userId: string }>;
  documents: Record<string, ReceivedDocument>;
  /** Who asked for the Temporal cancel that is coming (the API signals it first), and why. */
  cancelRequest?: CancelRequest;
  /** Since when the current step has been current (RexeraStepSince; absent before it existed). */
  currentSince?: { stepIndex: number; at: number };
  /**
   * The client's business calendar, read when the run starts (only by definitions with
   * BUSINESS clocks, at real time) and again when it changes.
   */
  calendar?: RunCalendar;
}

/** The state of a first run: every step PENDING with its first attempt's ID chosen. */
export function newState(
  input: BusinessWorkflowInput,
  definition: WorkflowDefinition,
): BusinessState {
  const startedAt = Date.now();
  return {
    initialized: false,
    startedAt,
    dueAt: startedAt + totalSla(definition, input.priority),
    stepIndex: 0,
    steps: definition.steps.map((def) => ({
      status: 'PENDING',
      attempts: [newAttempt(def, 1)],
      slaRedPending: false,
      followUpsSent: 0,
    })),
    outputs: {},
    appliedOutcomes: {},
    resolvedEscalations: {},
    documents: {},
  };
}

/** A new attempt of a step; its task execution ID is chosen here, by the workflow. */
export function newAttempt(
  def: StepDefinition,
  attempt: number,
  override?: Attempt['override'],
): Attempt {
  return {
    taskExecutionId: uuid4(),
    attempt,
    executor: def.agent ? 'AI_AGENT' : 'SYSTEM',
    phase: 'PENDING',
    agent: def.agent?.defaultAgent,
    override,
  };
}
