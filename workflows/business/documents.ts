import { CancellationScope, condition, log, patched } from '@temporalio/workflow';
import { db } from './activities.js';
import { current, unrecorded, type Run } from './context.js';
import { audit } from './records.js';

// The document recorder: runs beside the main flow for the whole run.

/**
 * Writes inbound documents as they arrive, whatever the main flow is doing. Not
 * cancellable: on a Temporal cancel it still writes what arrived, then ends with the run.
 */
export function recordDocuments(run: Run): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    // A document posted right after the start can come before initializeWorkflow has
    // written the task rows it points at: wait for them (histories from before replay without).
    const afterRows = patched('documents-after-initialize');
    const ready = () => !afterRows || run.state.initialized;
    for (;;) {
      await condition(() => run.finished || (ready() && unrecorded(run).length > 0));
      const doc = unrecorded(run)[0];
      if (!doc) return;
      if (!ready()) {
        // Cancelled before its rows were written: there is no task row to attach it to.
        log.warn('document not recorded: the workflow ended before it started', {
          documentId: doc.documentId,
        });
        return;
      }
      const waitingStep = run.definition.steps.findIndex((s) => s.awaits?.kind === doc.kind);
      await db.recordDocument({
        id: doc.documentId,
        workflowRowId: run.rowId,
        taskExecutionId: current(run.state.steps[waitingStep]!).taskExecutionId,
        filename: doc.filename,
        storageUrl: doc.storageUrl,
        mimeType: doc.mimeType,
        fileSizeBytes: doc.fileSizeBytes,
        source: doc.source,
        metadata: { ...doc.metadata, kind: doc.kind },
        at: doc.receivedAt,
        audit: {
          ...audit('document.received', 'document', doc.documentId, {
            kind: doc.kind,
            filename: doc.filename,
          }),
          id: doc.auditId,
          at: doc.receivedAt,
        },
      });
      doc.recorded = true;
    }
  });
}
