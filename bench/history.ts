// The shape of one run's history: events by type, size, and how long its workflow tasks took
// (in the worker: started -> completed, local activities included; waiting for a worker:
// scheduled -> started), from the server's own event times.
import proto from '@temporalio/proto';
import type { Stack } from './stack.js';
import { round } from './stats.js';

const { EventType } = proto.temporal.api.enums.v1;
const { History } = proto.temporal.api.history.v1;

export interface HistoryShape {
  events: number;
  bytes: number;
  /** Counts by event type (WORKFLOW_TASK_COMPLETED, ACTIVITY_TASK_SCHEDULED, MARKER_RECORDED, ...). */
  byType: Record<string, number>;
  /** Summed over the run's workflow tasks (ms). */
  workflowTaskInWorkerMs: number;
  workflowTaskQueuedMs: number;
  /** First event to last (ms). */
  durationMs: number;
}

type Time = { seconds?: unknown; nanos?: number | null } | null | undefined;
const ms = (t: Time) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

export async function historyShape(stack: Stack, workflowId: string): Promise<HistoryShape> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const byType: Record<string, number> = {};
  const at = new Map<number, number>();
  let inWorker = 0;
  let queued = 0;
  for (const e of events) {
    const name = (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    byType[name] = (byType[name] ?? 0) + 1;
    const time = ms(e.eventTime);
    at.set(Number(e.eventId), time);
    const started = e.workflowTaskStartedEventAttributes;
    if (started) queued += time - (at.get(Number(started.scheduledEventId)) ?? time);
    const completed = e.workflowTaskCompletedEventAttributes;
    if (completed) inWorker += time - (at.get(Number(completed.startedEventId)) ?? time);
  }
  return {
    events: events.length,
    bytes: History.encode(history).finish().length,
    byType,
    workflowTaskInWorkerMs: round(inWorker),
    workflowTaskQueuedMs: round(queued),
    durationMs: round(ms(events.at(-1)?.eventTime) - ms(events[0]?.eventTime)),
  };
}
