import { setCurrentDetails } from '@temporalio/workflow';
import {
  RexeraCurrentTask,
  RexeraDueAt,
  RexeraSlaLevel,
  RexeraStatus,
  RexeraStepSince,
} from '../search-attributes.js';
import { updateVisibility } from '../visibility.js';
import { REACHED_SLA_LEVELS } from '../vocabulary.js';
import { calendarOf, current, slaLevelOf, type Run } from './context.js';
import type { WorkflowStatus } from './messages.js';
import { thresholdAt, type Attempt, type StepState } from './state.js';
import { currentDetails, propertyOf, utc, type CurrentView } from './summary.js';

// What operators see: search attributes, the Temporal UI's details, the status query.

/**
 * Brings the search attributes and the UI details up to date. Only values that changed are
 * upserted: every upsert is a history event.
 */
export function publish(run: Run, status?: 'COMPLETED' | 'CANCELLED' | 'FAILED') {
  const s = run.state.steps[run.state.stepIndex];
  const step = run.definition.steps[run.state.stepIndex];
  const businessStatus = status ?? (run.state.escalation ? 'BLOCKED' : 'IN_PROGRESS');
  const task = status || !step ? null : step.taskType;
  if (task !== null && run.state.currentSince?.stepIndex !== run.state.stepIndex) {
    run.state.currentSince = { stepIndex: run.state.stepIndex, at: Date.now() };
  }
  const changed = [
    { key: RexeraStatus, value: businessStatus },
    { key: RexeraCurrentTask, value: task },
    { key: RexeraSlaLevel, value: status || !s ? null : slaLevelOf(s) },
  ].filter(({ key, value }) => run.published[key.name] !== value);
  // RexeraDueAt moves only in runs with counting clocks (a pause ended, a calendar changed).
  const due = new Date(run.state.dueAt).toISOString();
  const published = run.published[RexeraDueAt.name];
  if (published !== undefined && published !== due) {
    updateVisibility([{ key: RexeraDueAt, value: new Date(run.state.dueAt) }]);
    run.published[RexeraDueAt.name] = due;
  }
  if (changed.length > 0) {
    // Since when the step is current goes with the step's name, in the same upsert (never
    // an upsert of its own: histories from before it have none there).
    const since = changed.some(({ key }) => key === RexeraCurrentTask)
      ? [
          {
            key: RexeraStepSince,
            value: task === null ? null : new Date(run.state.currentSince!.at),
          },
        ]
      : [];
    updateVisibility([...changed, ...since]);
    for (const { key, value } of changed) run.published[key.name] = value;
  }
  setCurrentDetails(currentDetails(viewOf(run, businessStatus, status !== undefined)));
}

/** What an attempt is doing, in words. */
function doing(s: StepState, a: Attempt): string {
  if (s.status === 'ESCALATED') return 'escalated';
  if (a.phase === 'WAITING') return 'waiting for the counterparty';
  if (a.phase === 'PENDING') return 'about to start';
  if (a.executor === 'HIL') return 'with a person';
  return a.outcomeDueAt !== undefined
    ? `dispatched, its outcome due by ${utc(a.outcomeDueAt)}`
    : 'dispatched';
}

function viewOf(run: Run, businessStatus: CurrentView['status'], ended: boolean): CurrentView {
  const i = run.state.stepIndex;
  const s = run.state.steps[i];
  const step = run.definition.steps[i];
  let stepView: CurrentView['step'];
  if (!ended && s && step) {
    const a = current(s);
    const clock = s.sla;
    const nextLevel = clock && REACHED_SLA_LEVELS.find((l) => !clock.reached.includes(l));
    const nextAt = clock && nextLevel && thresholdAt(clock, nextLevel, calendarOf(run, clock));
    const pause = clock?.counting?.pause;
    stepView = {
      number: i + 1,
      of: run.definition.steps.length,
      taskType: step.taskType,
      executor: a.executor,
      agent: a.agent,
      attempt: a.attempt,
      doing: doing(s, a),
      slaLevel: slaLevelOf(s),
      next: nextLevel && nextAt !== undefined ? { level: nextLevel, at: nextAt } : undefined,
      slaDueAt: pause ? undefined : clock?.dueAt,
      counts: clock?.counting?.counts,
      paused: pause && { reason: pause.reason, since: pause.at },
    };
  }
  const e = run.state.escalation;
  return {
    workflowType: run.input.workflowType,
    clientName: run.input.clientName,
    property: propertyOf(run.input.metadata, run.input.title),
    status: businessStatus,
    step: stepView,
    escalation:
      !ended && e ? { trigger: e.trigger, reason: e.reason, assignedTo: e.assignedTo } : undefined,
    dueAt: run.state.dueAt,
    now: Date.now(),
  };
}

export function status(run: Run): WorkflowStatus {
  const s = run.state.steps[run.state.stepIndex];
  return {
    workflowId: run.rowId,
    workflowType: run.input.workflowType,
    status: run.finished
      ? run.state.steps.every((x) => x.status === 'COMPLETED' || x.status === 'SKIPPED')
        ? 'COMPLETED'
        : 'CANCELLED'
      : run.state.escalation
        ? 'BLOCKED'
        : 'IN_PROGRESS',
    currentStep:
      s && !run.finished
        ? {
            stepIndex: run.state.stepIndex,
            taskType: run.definition.steps[run.state.stepIndex]!.taskType,
            attempt: current(s).attempt,
          }
        : undefined,
    steps: run.state.steps.map((x, i) => ({
      stepIndex: i,
      taskType: run.definition.steps[i]!.taskType,
      status: x.status,
      attempt: current(x).attempt,
      taskExecutionId: current(x).taskExecutionId,
      agent: current(x).agent,
      slaLevel: x.sla ? slaLevelOf(x) : undefined,
    })),
    openEscalation: run.state.escalation && {
      escalationId: run.state.escalation.id,
      taskExecutionId: run.state.escalation.taskExecutionId,
      trigger: run.state.escalation.trigger,
      reason: run.state.escalation.reason,
      assignedTo: run.state.escalation.assignedTo,
    },
    dueAt: new Date(run.state.dueAt).toISOString(),
  };
}
