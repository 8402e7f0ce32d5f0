import { uuid4, type CancellationScope } from '@temporalio/workflow';
import { ALWAYS_OPEN, type BusinessCalendar } from '../calendar/index.js';
import type { StepDefinition, WorkflowDefinition } from '../definitions/index.js';
import type { SlaLevel } from '../vocabulary.js';
import type { TaskOutcome } from './messages.js';
import type {
  Attempt,
  BusinessState,
  BusinessWorkflowInput,
  OpenEscalation,
  SlaClock,
  StepState,
} from './state.js';

// What the code of one run reads and changes (Run), one step of it as every phase sees it
// (Step), read-only selectors over them, and the one state transition that opens an escalation.

/** One business workflow while it runs. */
export interface Run {
  input: BusinessWorkflowInput;
  definition: WorkflowDefinition;
  rowId: string;
  /** Everything that must survive continue-as-new lives here. */
  state: BusinessState;
  /** SLA level writes in flight (continue-as-new waits for them). */
  ladderBusy: number;
  finished: boolean;
  /** Search attribute values this run has upserted (a new run publishes afresh). */
  published: Record<string, string | null>;
  /**
   * Dispatch activities still running, by task execution: an outcome can overtake n8n's
   * answer to its dispatch, and the dispatch may still be retrying then.
   */
  dispatching: Map<string, CancellationScope>;
  /**
   * Bumped whenever the current clock's thresholds move (a pause, a resume, a new calendar):
   * the ladder waits on it as well as on its timer.
   */
  clockEpoch: number;
  /** A calendarChanged signal came: the ladder reads the calendar again. */
  calendarStale: boolean;
}

/** One step of one run, as every phase sees it. Built once per step (stepOf). */
export interface Step {
  run: Run;
  index: number;
  /** The frozen definition: what to do. */
  def: StepDefinition;
  /** Its progress, carried across continue-as-new: how far it got. */
  state: StepState;
}

/** What a phase of a step tells the step loop: go on, or how the step ended. */
export type StepResult = 'done' | 'skipped' | 'cancel' | 'continue';

export function stepOf(run: Run, index: number): Step {
  const def = run.definition.steps[index];
  const state = run.state.steps[index];
  if (!def || !state) throw new Error(`No step ${index} in this ${run.input.workflowType} run`);
  return { run, index, def, state };
}

/** The step's latest attempt (every step has one from the start). */
export const current = (s: StepState): Attempt => s.attempts[s.attempts.length - 1]!;

/** The calendar a clock counts in: the run's for a BUSINESS clock, else every hour. */
export function calendarOf(run: Run, clock: SlaClock): BusinessCalendar {
  return clock.counting?.counts === 'BUSINESS' && run.state.calendar
    ? run.state.calendar
    : ALWAYS_OPEN;
}

export function slaLevelOf(s: StepState): SlaLevel {
  return s.sla?.reached.at(-1) ?? 'GREEN';
}

/** The step and attempt of a task execution ID of this run, if it is one. */
export function findAttempt(
  run: Run,
  taskExecutionId: string,
): { step: Step; attempt: Attempt } | undefined {
  for (const [index, s] of run.state.steps.entries()) {
    const attempt = s.attempts.find((a) => a.taskExecutionId === taskExecutionId);
    if (attempt) return { step: stepOf(run, index), attempt };
  }
  return undefined;
}

/** Documents received and not yet written (the recorder writes them in order). */
export const unrecorded = (run: Run) =>
  Object.values(run.state.documents).filter((d) => !d.recorded);

/** The documents of one kind, as handed to the agent. */
export const documentsOf = (run: Run, kind: string) =>
  Object.values(run.state.documents)
    .filter((d) => d.kind === kind)
    .map(({ documentId, filename, storageUrl, mimeType, source, metadata }) => ({
      documentId,
      filename,
      storageUrl,
      mimeType,
      source,
      metadata,
    }));

/** The outcome the handlers accepted for this attempt, not yet acted on. */
export const outcomeFor = (run: Run, attempt: Attempt) =>
  run.state.pendingOutcome?.taskExecutionId === attempt.taskExecutionId
    ? run.state.pendingOutcome
    : undefined;

/** Takes the attempt's pending outcome (the main flow acts on it once). */
export function takeOutcome(run: Run, attempt: Attempt): TaskOutcome | undefined {
  const outcome = outcomeFor(run, attempt);
  if (outcome) run.state.pendingOutcome = undefined;
  return outcome;
}

/**
 * Opens an escalation on the step's current attempt, in state only (no activity): the escalation phase
 * writes its row when it runs next (escalation.ts).
 */
export function raiseEscalation(
  step: Step,
  trigger: OpenEscalation['trigger'],
  reason: string,
): StepResult {
  step.state.slaRedPending = false;
  step.run.state.escalation = {
    id: uuid4(),
    stepIndex: step.index,
    taskExecutionId: current(step.state).taskExecutionId,
    trigger,
    reason,
    openedAt: Date.now(),
    remindersSent: 0,
    opened: false,
  };
  return 'continue';
}
