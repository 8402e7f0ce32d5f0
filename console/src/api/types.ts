import {
  CHANNELS,
  ESCALATION_TRIGGERS,
  SLA_LEVELS as LEVELS,
  SLA_THRESHOLDS,
  WORKFLOW_STATUSES,
  WORKFLOW_TYPES,
  type SlaLevel,
} from '../../../workflows/vocabulary';

// What the API answers, as the console reads it (src/api/*/service.ts returns these rows).
// The enumerations are the project's one vocabulary (workflows/vocabulary.ts, plain data).

export { CHANNELS, SLA_THRESHOLDS, WORKFLOW_STATUSES, WORKFLOW_TYPES, type SlaLevel };
/** The levels, most urgent first. */
export const SLA_LEVELS: SlaLevel[] = [...LEVELS].reverse();
/** What the workflow opens escalations for (INBOUND_TIMEOUT: a paused wait's silent counterparty). */
export const TRIGGERS = ESCALATION_TRIGGERS;

export interface Me {
  id: string;
  email: string;
  fullName: string | null;
  userType: 'CLIENT' | 'HIL';
  role: 'CLIENT_USER' | 'HIL_STAFF' | 'MANAGER' | 'ADMIN';
  clientId: string | null;
  clientName: string | null;
}

export interface ConsoleSettings {
  devLogin: boolean;
  demoEscalation: boolean;
  temporalUiUrl: string;
  namespace: string;
}

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  role: Me['role'];
  userType: Me['userType'];
}

export interface Workflow {
  id: string;
  workflowType: (typeof WORKFLOW_TYPES)[number];
  clientId: string;
  title: string;
  description: string | null;
  status: (typeof WORKFLOW_STATUSES)[number];
  priority: 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
  metadata: Record<string, unknown>;
  temporalWorkflowId: string | null;
  dueAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  createdAt: string;
}

export interface Task {
  id: string;
  stepIndex: number;
  attempt: number;
  taskType: string;
  title: string;
  status: string;
  executorType: 'AI_AGENT' | 'HIL' | 'SYSTEM';
  agentName: string | null;
  channel: string | null;
  executedBy: string | null;
  inputData: Record<string, unknown> | null;
  outputData: Record<string, unknown> | null;
  errorMessage: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface Sla {
  id: string;
  taskExecutionId: string;
  status: 'ACTIVE' | 'COMPLETED' | 'CANCELLED';
  alertLevel: SlaLevel;
  startedAt: string;
  dueAt: string;
  counts: 'BUSINESS' | 'CALENDAR';
  pausedAt: string | null;
  /** Each pause of the clock: why, when, until when (null: still paused). */
  pauses: {
    id: string;
    reason: 'INBOUND_WAIT' | 'THIRD_PARTY_HOLD';
    note: string | null;
    pausedAt: string;
    resumedAt: string | null;
  }[];
}

export interface Escalation {
  id: string;
  workflowId: string;
  taskExecutionId: string;
  trigger: string;
  status: 'OPEN' | 'RESOLVED' | 'CANCELLED';
  reason: string;
  slaLevel: SlaLevel | null;
  assignedTo: string | null;
  resolutionAction: string | null;
  resolutionNote: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

export interface EscalationItem {
  escalation: Escalation;
  workflowType: Workflow['workflowType'];
  taskType: string;
  slaLevel: SlaLevel;
  slaDueAt: string | null;
  /** Why the step's SLA clock is stopped, if it is. */
  slaPaused: 'INBOUND_WAIT' | 'THIRD_PARTY_HOLD' | null;
}

export interface Communication {
  id: string;
  communicationType: string;
  direction: string;
  status: string;
  subject: string | null;
  recipient: string | null;
  createdAt: string;
}

export interface DocumentRow {
  id: string;
  filename: string;
  storageUrl: string;
  createdAt: string;
}

export interface WorkflowDetail {
  workflow: Workflow;
  tasks: Task[];
  sla: Sla[];
  escalations: Escalation[];
  documents: DocumentRow[];
  communications: Communication[];
  invoice: {
    invoiceNumber: string;
    status: string;
    currency: string;
    total: string;
    costItems: {
      id: string;
      description: string;
      quantity: string;
      unitPrice: string;
      amount?: string;
    }[];
  } | null;
}

export interface AuditEvent {
  id: string;
  actorType: string;
  actorId: string;
  actorName: string | null;
  action: string;
  createdAt: string;
  eventData: Record<string, unknown>;
}

export interface Answer {
  result: 'applied' | 'duplicate' | 'stale' | 'queued' | 'closed';
  message: string;
}

export const TYPE_LABELS: Record<Workflow['workflowType'], string> = {
  PAYOFF: 'Payoff request',
  HOA_ACQUISITION: 'HOA acquisition',
  MUNICIPAL_LIEN_SEARCH: 'Municipal lien search',
};
