import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { communications, documents, emailMetadata } from '../../db/schema/index.js';
import { date, withAudit, type AuditInput } from './shared.js';

/** What recordDocument writes. */
export interface RecordDocumentInput {
  id: string;
  workflowRowId: string;
  taskExecutionId?: string;
  filename: string;
  storageUrl: string;
  mimeType?: string;
  fileSizeBytes?: number;
  source?: string;
  metadata: Record<string, unknown>;
  at: number;
  audit: AuditInput;
}

/** What recordFollowUp writes. */
export interface RecordFollowUpInput {
  id: string;
  workflowRowId: string;
  taskExecutionId: string;
  channel: string;
  number: number;
  subject: string;
  body: string;
  /** The counterparty contact, where an earlier step found one. */
  recipient?: string;
  at: number;
  audit: AuditInput;
}

/** What markCommunication writes. */
export interface MarkCommunicationInput {
  communicationId: string;
  workflowRowId: string;
  status: 'SENT' | 'FAILED';
  providerMessageId?: string;
  error?: string;
  at: number;
  audit: AuditInput;
}

/** Inbound documents and outbound follow-ups. */
export function communicationsWrites(db: Database) {
  return {
    /** Stores an inbound document's metadata (the file itself lives in object storage). */
    async recordDocument(input: RecordDocumentInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        await tx
          .insert(documents)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            taskExecutionId: input.taskExecutionId,
            documentType: 'WORKING',
            filename: input.filename,
            storageUrl: input.storageUrl,
            mimeType: input.mimeType,
            fileSizeBytes: input.fileSizeBytes,
            source: input.source,
            metadata: input.metadata,
            createdAt: date(input.at),
          })
          .onConflictDoNothing();
      });
    },

    /** Records a follow-up to the counterparty while a step waits for its answer. */
    async recordFollowUp(input: RecordFollowUpInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        const inserted = await tx
          .insert(communications)
          .values({
            id: input.id,
            workflowId: input.workflowRowId,
            taskExecutionId: input.taskExecutionId,
            communicationType: input.channel === 'EMAIL' ? 'EMAIL' : 'CALL',
            direction: 'OUTBOUND',
            status: 'QUEUED',
            subject: input.subject,
            body: input.body,
            sender: 'rexera-workflow',
            recipient: input.recipient,
            threadId: `follow-up:${input.taskExecutionId}`,
            metadata: { followUpNumber: input.number },
            createdAt: date(input.at),
          })
          .onConflictDoNothing()
          .returning({ id: communications.id });
        if (inserted.length > 0 && input.channel === 'EMAIL') {
          await tx
            .insert(emailMetadata)
            .values({ communicationId: input.id })
            .onConflictDoNothing();
        }
      });
    },

    /** What came of sending a QUEUED outbound message: SENT (with the provider's ID) or FAILED. */
    async markCommunication(input: MarkCommunicationInput): Promise<void> {
      await withAudit(db, input.audit, input.workflowRowId, async (tx) => {
        const changed = await tx
          .update(communications)
          .set({
            status: input.status,
            sentAt: input.status === 'SENT' ? date(input.at) : undefined,
            metadata: sql`${communications.metadata} || ${JSON.stringify({
              providerMessageId: input.providerMessageId,
              error: input.error,
            })}::jsonb`,
          })
          .where(
            and(eq(communications.id, input.communicationId), eq(communications.status, 'QUEUED')),
          )
          .returning({ type: communications.communicationType });
        if (changed[0]?.type === 'EMAIL' && input.providerMessageId) {
          // message_id is unique: a connector that reuses an ID keeps it in the metadata only.
          await tx
            .update(emailMetadata)
            .set({ messageId: input.providerMessageId })
            .where(
              and(
                eq(emailMetadata.communicationId, input.communicationId),
                sql`NOT EXISTS (SELECT 1 FROM email_metadata o WHERE o.message_id = ${input.providerMessageId})`,
              ),
            );
        }
      });
    },
  };
}
