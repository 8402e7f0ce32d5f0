import type { Priority, WorkflowType } from '../definitions/types.js';
import type { ExecutorType, SlaCounts, SlaLevel, SlaPauseReason } from '../vocabulary.js';
import type { OpenEscalation } from './state.js';

// What an operator reads in the Temporal UI (user metadata): the static summary and details
// set when the workflow starts, and the current details the workflow keeps up to date. Pure
// functions of plain data, so that the texts are tested without a worker; the workflow and
// the API both call them.

/** The business type as people say it. */
const BUSINESS_LABELS = {
  PAYOFF: 'Payoff request',
  HOA_ACQUISITION: 'HOA document acquisition',
  MUNICIPAL_LIEN_SEARCH: 'Municipal lien search',
} as const satisfies Record<WorkflowType, string>;

const TRIGGERS: Record<OpenEscalation['trigger'], string> = {
  RETRIES_EXHAUSTED: 'retries spent',
  NON_RETRYABLE_FAILURE: 'a failure no retry fixes',
  AGENT_NEEDS_HUMAN: 'the agent asked for a person',
  SLA_RED: 'SLA RED',
  INBOUND_TIMEOUT: 'the counterparty never answered',
};

const PAUSES: Record<SlaPauseReason, string> = {
  INBOUND_WAIT: 'waiting on the counterparty',
  THIRD_PARTY_HOLD: 'a manager put it on hold for a third party',
};

/** The property the workflow is about: metadata.propertyAddress, else the row's title. */
export function propertyOf(metadata: Record<string, unknown>, title?: string): string | undefined {
  const address = metadata['propertyAddress'];
  return typeof address === 'string' && address.trim() !== '' ? address.trim() : title;
}

export interface StartView {
  workflowType: WorkflowType;
  clientName?: string;
  title: string;
  priority: Priority;
  metadata: Record<string, unknown>;
}

/** One line, the workflows list's Summary column: what, for whom, where, how urgent. */
export function staticSummary(v: StartView): string {
  const property = propertyOf(v.metadata, v.title);
  return [
    BUSINESS_LABELS[v.workflowType],
    v.clientName ? `for ${v.clientName}` : undefined,
    property ? `· ${property}` : undefined,
    `· ${v.priority} priority`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** The details pane's fixed part: the row, its title, what the agents are handed. */
export function staticDetails(v: StartView & { rowId: string; description?: string | null }) {
  const facts = Object.entries(v.metadata)
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `- ${key}: ${String(value)}`);
  return [
    `**${v.title}**`,
    v.description ?? undefined,
    `Row \`${v.rowId}\` of the \`workflows\` table.`,
    facts.length > 0 ? facts.join('\n') : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
}

export interface CurrentView {
  workflowType: WorkflowType;
  clientName?: string;
  property?: string;
  status: 'IN_PROGRESS' | 'BLOCKED' | 'COMPLETED' | 'CANCELLED' | 'FAILED';
  /** The step running now (absent once the workflow has ended). */
  step?: {
    number: number;
    of: number;
    taskType: string;
    executor: ExecutorType;
    agent?: string;
    attempt: number;
    /** What the attempt is doing (dispatched to its agent, waiting for a counterparty...). */
    doing: string;
    slaLevel: SlaLevel;
    /** The next SLA level and when it is reached (absent when none is left, or no clock). */
    next?: { level: SlaLevel; at: number };
    /** When the step's SLA ends (absent: no clock yet). */
    slaDueAt?: number;
    /** What the clock counts (absent: wall-clock time, a clock from before calendars). */
    counts?: SlaCounts;
    /** Set while the clock is stopped. */
    paused?: { reason: SlaPauseReason; since: number };
  };
  escalation?: Pick<OpenEscalation, 'trigger' | 'reason' | 'assignedTo'>;
  /** When the whole workflow is due. */
  dueAt: number;
  /** Workflow time when the text was made ("time left" is as of then). */
  now: number;
}

/** `2026-12-01 14:05 UTC`. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 h 20 min`, `45 min`, `under a minute`; `-` for a time already past. */
export function span(ms: number): string {
  if (ms < 0) return `${span(-ms)} ago`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 0) return 'under a minute';
  const days = Math.floor(minutes / 1_440);
  const hours = Math.floor((minutes % 1_440) / 60);
  const rest = minutes % 60;
  return [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : '']
    .filter(Boolean)
    .join(' ');
}

function when(at: number, now: number): string {
  const left = at - now;
  return left >= 0 ? `${utc(at)} (in ${span(left)})` : `${utc(at)} (${span(left)})`;
}

/** The details pane's live part: a few sentences an operator understands at a glance. */
export function currentDetails(v: CurrentView): string {
  const who = [v.clientName ? `for ${v.clientName}` : '', v.property ? `· ${v.property}` : '']
    .filter(Boolean)
    .join(' ');
  const head = `**${BUSINESS_LABELS[v.workflowType]}** ${who}`.trim();
  if (v.status === 'COMPLETED' || v.status === 'CANCELLED' || v.status === 'FAILED') {
    const ended = { COMPLETED: 'Completed', CANCELLED: 'Cancelled', FAILED: 'Failed' }[v.status];
    return `${head}\n\n${ended} at ${utc(v.now)}.`;
  }
  const lines = [head];
  if (v.step) {
    const by =
      v.step.executor === 'HIL'
        ? 'by a person'
        : v.step.agent
          ? `by agent ${v.step.agent}`
          : v.step.executor === 'SYSTEM'
            ? 'by the system'
            : '';
    lines.push(
      `Step ${v.step.number} of ${v.step.of}: **${v.step.taskType}** ${by}, attempt ${v.step.attempt}, ${v.step.doing}.`.replace(
        ' ,',
        ',',
      ),
    );
    const sla = [
      `SLA **${v.step.slaLevel}**${v.step.counts === 'BUSINESS' ? ' (working hours)' : ''}`,
    ];
    if (v.step.paused) {
      sla.push(`clock paused since ${utc(v.step.paused.since)}, ${PAUSES[v.step.paused.reason]}`);
    }
    if (v.step.next) sla.push(`${v.step.next.level} at ${when(v.step.next.at, v.now)}`);
    if (v.step.slaDueAt !== undefined) sla.push(`step due ${when(v.step.slaDueAt, v.now)}`);
    lines.push(`${sla.join('; ')}.`);
  }
  if (v.escalation) {
    lines.push(
      `**Blocked on a person**: escalated (${TRIGGERS[v.escalation.trigger]}: ${v.escalation.reason}); ${
        v.escalation.assignedTo
          ? `held by user ${v.escalation.assignedTo}`
          : 'nobody has taken it yet'
      }.`,
    );
  }
  lines.push(`Workflow due ${when(v.dueAt, v.now)}. Status ${v.status}; as of ${utc(v.now)}.`);
  return lines.join('\n\n');
}
