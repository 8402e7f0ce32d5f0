import { setCurrentDetails } from '@temporalio/workflow';
import { RexeraCurrentTask, RexeraSlaLevel, RexeraStatus } from '../search-attributes.js';
import { updateVisibility } from '../visibility.js';
import type { WorkflowStatus } from './messages.js';
import { current, type Run } from './run.js';
import type { SlaLevel, StepState } from './state.js';

// What operators see: search attributes, the Temporal UI's details, the status query.

export function slaLevelOf(s: StepState): SlaLevel {
  return s.sla?.reached.at(-1) ?? 'GREEN';
}

/**
 * Brings the search attributes and the UI details up to date. Only values that changed are
 * upserted: every upsert is a history event.
 */
export function publish(run: Run, status?: 'COMPLETED' | 'CANCELLED') {
  const s = run.state.steps[run.state.stepIndex];
  const step = run.steps[run.state.stepIndex];
  const businessStatus = status ?? (run.state.escalation ? 'BLOCKED' : 'IN_PROGRESS');
  const changed = [
    { key: RexeraStatus, value: businessStatus },
    { key: RexeraCurrentTask, value: status || !step ? null : step.taskType },
    { key: RexeraSlaLevel, value: status || !s ? null : slaLevelOf(s) },
  ].filter(({ key, value }) => run.published[key.name] !== value);
  if (changed.length > 0) {
    updateVisibility(changed);
    for (const { key, value } of changed) run.published[key.name] = value;
  }
  const lines = [
    `**${run.input.workflowType}** · ${businessStatus}`,
    step && !status
      ? `step ${run.state.stepIndex + 1}/${run.steps.length}: ${step.taskType} (attempt ${current(s!).attempt}, SLA ${slaLevelOf(s!)})`
      : '',
    run.state.escalation
      ? `escalation open: ${run.state.escalation.trigger} – ${run.state.escalation.reason}`
      : '',
  ];
  setCurrentDetails(lines.filter(Boolean).join('\n\n'));
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
            taskType: run.steps[run.state.stepIndex]!.taskType,
            attempt: current(s).attempt,
          }
        : undefined,
    steps: run.state.steps.map((x, i) => ({
      stepIndex: i,
      taskType: run.steps[i]!.taskType,
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
