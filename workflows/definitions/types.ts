// The shape of a business workflow definition: plain data, deterministic, bundled into the
// workflow code. A released version never changes (test/workflows/definitions.test.ts
// pins each one); a change is a new version, so a running workflow keeps the version it
// started with.

import type { Channel, Priority, SlaCounts, SlaPauseReason, WorkflowType } from '../vocabulary.js';

export {
  CHANNELS,
  PRIORITIES,
  WORKFLOW_TYPES,
  type Channel,
  type Priority,
  type WorkflowType,
} from '../vocabulary.js';

/** Inbound events a step can wait for (documentReceived messages carry one of these). */
export const INBOUND_KINDS = ['HOA_DOCUMENTS', 'PAYOFF_STATEMENT'] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

/** A duration in milliseconds (definitions write them with the helpers below). */
export type Millis = number;
export const minutes = (n: number): Millis => n * 60_000;
export const hours = (n: number): Millis => n * 3_600_000;
export const days = (n: number): Millis => n * 86_400_000;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; each later wait is multiplied by backoffCoefficient. */
  initialBackoff: Millis;
  backoffCoefficient: number;
  maxBackoff: Millis;
}

/** Which agent does the step, possibly chosen by channel from an earlier step's output. */
export interface AgentRule {
  /** The agent when no channel rule applies (or the channel has no agent listed). */
  defaultAgent: string;
  /** Channel-specific agents, e.g. { IVR: 'Max', PHONE: 'Florian', EMAIL: 'Mia' }. */
  byChannel?: Partial<Record<Channel, string>>;
  /** Where the channel comes from: a field of an earlier step's output. */
  channelFrom?: { taskType: string; field: string };
  /** Channel when the earlier output names none (or names one without an agent). */
  defaultChannel?: Channel;
  /**
   * How long the agent normally takes to report an outcome once n8n has the task; with
   * outcomeMargin, the attempt's outcome deadline. An attempt with no outcome by then (n8n
   * lost it, or its callback never arrived) is recorded FAILED, retryable, and the step's
   * retry policy runs. Absent in version 1 definitions: DEFAULT_OUTCOME_DEADLINE applies.
   */
  expectedDuration?: Millis;
  /** Added to expectedDuration before an attempt counts as lost. */
  outcomeMargin?: Millis;
}

/** A durable wait for an inbound event, with follow-ups to the counterparty while waiting. */
export interface InboundWait {
  kind: InboundKind;
  /** Send a follow-up this often while waiting. */
  followUpEvery: Millis;
  /** Stop following up after this many (the SLA ladder escalates anyway). */
  maxFollowUps: number;
  followUpChannel: Channel;
}

/**
 * How a step's SLA clock counts (absent in versions 1 and 2: wall-clock time from the first
 * attempt, never paused).
 */
export interface SlaClockRule {
  /** BUSINESS: only the working hours of the client's calendar; CALENDAR: every hour (24/7). */
  counts: SlaCounts;
  /** While these hold, the clock stops (the third party has the ball, not the team). */
  pausesWhile: SlaPauseReason[];
}

export interface StepDefinition {
  taskType: string;
  title: string;
  description: string;
  /** The agent call; absent for a step that only waits for an inbound event. */
  agent?: AgentRule;
  /** Wait for an inbound event first (the whole step for await_documents; before the agent call for extract_payoff_data). */
  awaits?: InboundWait;
  /**
   * Time allowed for the step, from its first attempt's start, at NORMAL priority: counted as
   * `clock` says (working time for a BUSINESS clock).
   */
  sla: Millis;
  /** How the SLA counts (absent before version 3: wall-clock time, never paused). */
  clock?: SlaClockRule;
  retry: RetryPolicy;
  /** Earlier steps whose outputs the agent receives as input. */
  inputsFrom: string[];
}

export interface WorkflowDefinition {
  type: WorkflowType;
  /** Bumped for every change; released versions are frozen. */
  version: number;
  steps: StepDefinition[];
  /** How often an unanswered escalation re-notifies the HIL team. */
  escalationReminderEvery: Millis;
}

/** The outcome deadline of agent steps whose definition predates expectedDuration (version 1). */
export const DEFAULT_OUTCOME_DEADLINE: Millis = minutes(30);

/** SLA multiplier by priority: urgent work gets half the time. */
export const PRIORITY_SLA_FACTOR: Record<Priority, number> = {
  LOW: 1,
  NORMAL: 1,
  HIGH: 0.75,
  URGENT: 0.5,
};

/** Retry policies shared by the definitions. */
export const RETRY = {
  /** Agent calls: three tries, 5 minutes then 15. */
  standard: {
    maxAttempts: 3,
    initialBackoff: minutes(5),
    backoffCoefficient: 3,
    maxBackoff: hours(1),
  },
  /** Outbound requests to counterparties: space the tries out more. */
  outreach: {
    maxAttempts: 3,
    initialBackoff: minutes(30),
    backoffCoefficient: 2,
    maxBackoff: hours(4),
  },
  /** Internal bookkeeping steps: quick. */
  quick: {
    maxAttempts: 5,
    initialBackoff: minutes(1),
    backoffCoefficient: 2,
    maxBackoff: minutes(15),
  },
} satisfies Record<string, RetryPolicy>;

/**
 * The next version of a definition, with each agent step's expected duration and margin
 * (`[expected, margin]` by taskType). Every agent step must be listed. The earlier version
 * stays as it was: a copy is made.
 */
export function withAgentTimes(
  previous: WorkflowDefinition,
  version: number,
  times: Record<string, [expected: Millis, margin: Millis]>,
): WorkflowDefinition {
  return {
    ...previous,
    version,
    steps: previous.steps.map((step) => {
      if (!step.agent) return { ...step };
      const time = times[step.taskType];
      if (!time)
        throw new Error(`${previous.type} v${version}: no agent time for ${step.taskType}`);
      return {
        ...step,
        agent: { ...step.agent, expectedDuration: time[0], outcomeMargin: time[1] },
      };
    }),
  };
}

/**
 * The next version of a definition with each step's SLA clock (`[sla, clock]` by taskType:
 * the SLA in the clock's time). Every step must be listed. The earlier version stays as it was.
 * Version 3 of each type counts working hours in the client's business calendar (or the
 * platform default): a wall-clock day of the versions before is one working day (8 working
 * hours); a few hours stay as many working hours. Every step's clock stops while a manager
 * has its escalation on hold for a third party.
 */
export function withClocks(
  previous: WorkflowDefinition,
  version: number,
  clocks: Record<string, [sla: Millis, clock: SlaClockRule]>,
): WorkflowDefinition {
  return {
    ...previous,
    version,
    steps: previous.steps.map((step) => {
      const rule = clocks[step.taskType];
      if (!rule) throw new Error(`${previous.type} v${version}: no SLA clock for ${step.taskType}`);
      return { ...step, sla: rule[0], clock: rule[1] };
    }),
  };
}

/** Working time, in the client's calendar: the team's hours. */
export const WORKING: SlaClockRule = { counts: 'BUSINESS', pausesWhile: ['THIRD_PARTY_HOLD'] };
/** Working time, stopped while the step waits on the counterparty's documents. */
export const WORKING_EXCEPT_WAIT: SlaClockRule = {
  counts: 'BUSINESS',
  pausesWhile: ['INBOUND_WAIT', 'THIRD_PARTY_HOLD'],
};
