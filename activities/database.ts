import type { Database } from '../db/client.js';
import { billingWrites } from './database/billing.js';
import { communicationsWrites } from './database/communications.js';
import { escalationsWrites } from './database/escalations.js';
import { refusingForGood } from './database/refusals.js';
import type { DatabaseObservers } from './database/shared.js';
import { slaWrites } from './database/sla.js';
import { tasksWrites } from './database/tasks.js';
import { workflowsWrites } from './database/workflows.js';

// The database activities, grouped by domain like db/schema/ (one file each in database/).
// Each is one transaction with its audit event (withAudit); every row it creates has an ID
// chosen by the workflow, so an activity retried after a crash writes nothing twice. Times
// are workflow times (epoch ms), so a retry writes the same timestamps.

export type {
  AuditInput,
  DatabaseObservers,
  NewTaskExecution,
  NotificationInput,
} from './database/shared.js';
export type { CreateInvoiceInput } from './database/billing.js';
export type {
  MarkCommunicationInput,
  RecordDocumentInput,
  RecordFollowUpInput,
} from './database/communications.js';
export type {
  AssignEscalationInput,
  CloseEscalationInput,
  OpenEscalationInput,
  RemindEscalationInput,
} from './database/escalations.js';
export type {
  CalendarRecord,
  MoveSlaDueInput,
  PauseSlaClockInput,
  RecordSlaLevelInput,
  ResumeSlaClockInput,
} from './database/sla.js';
export type {
  CreateAttemptInput,
  FinishAttemptInput,
  StartAttemptInput,
} from './database/tasks.js';
export type {
  AdoptWorkflowInput,
  CloseWorkflowInput,
  InitializeWorkflowInput,
} from './database/workflows.js';

/**
 * Every database activity (names are a replay contract: a workflow calls them by name). A
 * write the database refuses for good fails as a non-retryable DatabaseRefusedError
 * (refusals.ts) instead of retrying forever.
 */
export function createDatabaseActivities(db: Database, observers: DatabaseObservers = {}) {
  return refusingForGood({
    ...workflowsWrites(db),
    ...tasksWrites(db),
    ...slaWrites(db, observers),
    ...escalationsWrites(db),
    ...communicationsWrites(db),
    ...billingWrites(db),
  });
}

export type DatabaseActivities = ReturnType<typeof createDatabaseActivities>;
