import { HOA_ACQUISITION_V1, HOA_ACQUISITION_V2, HOA_ACQUISITION_V3 } from './hoa-acquisition.js';
import {
  MUNICIPAL_LIEN_SEARCH_V1,
  MUNICIPAL_LIEN_SEARCH_V2,
  MUNICIPAL_LIEN_SEARCH_V3,
} from './municipal-lien-search.js';
import { PAYOFF_V1, PAYOFF_V2, PAYOFF_V3 } from './payoff.js';
import {
  DEFAULT_OUTCOME_DEADLINE,
  PRIORITY_SLA_FACTOR,
  type Channel,
  type Priority,
  type StepDefinition,
  type WorkflowDefinition,
  type WorkflowType,
} from './types.js';

export * from './types.js';

/** Freezes a value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Every released version of every definition. Add versions; never edit a released one.
 * Frozen, so that no workflow can change the definition it runs by (atTimeScale makes copies).
 */
export const DEFINITIONS: Record<WorkflowType, Record<number, WorkflowDefinition>> = deepFreeze({
  PAYOFF: { 1: PAYOFF_V1, 2: PAYOFF_V2, 3: PAYOFF_V3 },
  HOA_ACQUISITION: { 1: HOA_ACQUISITION_V1, 2: HOA_ACQUISITION_V2, 3: HOA_ACQUISITION_V3 },
  MUNICIPAL_LIEN_SEARCH: {
    1: MUNICIPAL_LIEN_SEARCH_V1,
    2: MUNICIPAL_LIEN_SEARCH_V2,
    3: MUNICIPAL_LIEN_SEARCH_V3,
  },
});

/** The version new workflows start with. */
export function latestVersion(type: WorkflowType): number {
  return Math.max(...Object.keys(DEFINITIONS[type]).map(Number));
}

export function getDefinition(type: WorkflowType, version: number): WorkflowDefinition {
  const definition = DEFINITIONS[type][version];
  if (!definition) throw new Error(`No ${type} definition version ${version}`);
  return definition;
}

/** A step's SLA for a given priority, in milliseconds. */
export function slaFor(step: StepDefinition, priority: Priority): number {
  return Math.round(step.sla * PRIORITY_SLA_FACTOR[priority]);
}

/** The workflow's due date offset: the sum of its steps' SLAs at that priority. */
export function totalSla(definition: WorkflowDefinition, priority: Priority): number {
  return definition.steps.reduce((sum, step) => sum + slaFor(step, priority), 0);
}

/** How long after n8n took an attempt its outcome may take before the attempt counts as lost. */
export function outcomeDeadline(step: StepDefinition): number {
  const agent = step.agent;
  if (agent?.expectedDuration === undefined) return DEFAULT_OUTCOME_DEADLINE;
  return agent.expectedDuration + (agent.outcomeMargin ?? 0);
}

/**
 * The definition with every duration multiplied by `scale` (SLAs, retry backoffs, follow-up
 * and reminder intervals, outcome deadlines). Production runs at 1; demos, benchmarks and the
 * fault tests shrink time with it, on the real servers, without changing any behaviour.
 */
export function atTimeScale(definition: WorkflowDefinition, scale: number): WorkflowDefinition {
  if (scale === 1) return definition;
  const t = (ms: number) => Math.max(1, Math.round(ms * scale));
  return {
    ...definition,
    escalationReminderEvery: t(definition.escalationReminderEvery),
    steps: definition.steps.map((step) => ({
      ...step,
      sla: t(step.sla),
      retry: {
        ...step.retry,
        initialBackoff: t(step.retry.initialBackoff),
        maxBackoff: t(step.retry.maxBackoff),
      },
      awaits: step.awaits && { ...step.awaits, followUpEvery: t(step.awaits.followUpEvery) },
      agent: step.agent && {
        ...step.agent,
        // Version 1 steps get the default deadline, shrunk like the rest.
        expectedDuration: t(outcomeDeadline(step) - (step.agent.outcomeMargin ?? 0)),
        outcomeMargin: step.agent.outcomeMargin ? t(step.agent.outcomeMargin) : 0,
      },
    })),
  };
}

/** Wait before attempt `nextAttempt` (2, 3, ...) under the step's retry policy. */
export function backoffBefore(step: StepDefinition, nextAttempt: number): number {
  const { initialBackoff, backoffCoefficient, maxBackoff } = step.retry;
  return Math.min(maxBackoff, initialBackoff * backoffCoefficient ** Math.max(0, nextAttempt - 2));
}

/**
 * The agent and channel for a step, from the channel rule and earlier outputs; an explicit
 * override (an HIL retry with another agent or channel) wins.
 */
export function chooseAgent(
  step: StepDefinition,
  outputs: Record<string, Record<string, unknown>>,
  override: { agent?: string; channel?: Channel } = {},
): { agent: string; channel?: Channel } {
  const rule = step.agent;
  if (!rule) throw new Error(`${step.taskType} has no agent`);
  let channel = override.channel;
  if (!channel && rule.channelFrom) {
    const found = outputs[rule.channelFrom.taskType]?.[rule.channelFrom.field];
    channel =
      typeof found === 'string' && rule.byChannel && found in rule.byChannel
        ? (found as Channel)
        : rule.defaultChannel;
  }
  const agent = override.agent ?? (channel && rule.byChannel?.[channel]) ?? rule.defaultAgent;
  return channel ? { agent, channel } : { agent };
}
