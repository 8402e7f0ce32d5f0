import { useQuery } from '@tanstack/react-query';
import { useSettings } from '../session';
import { api, unwrap } from '../api/client';
import { useLive } from '../api/live';
import {
  TYPE_LABELS,
  type AuditEvent,
  type Me,
  type Sla,
  type Task,
  type WorkflowDetail,
} from '../api/types';
import { LiveDot, Loaded, SlaBadge, StatusBadge } from '../ui/bits';
import { When } from '../ui/time';

/** One workflow: header, task timeline, documents, communications, invoice, audit; live. */
export function WorkflowPage({ id, me }: { id: string; me: Me }) {
  const settings = useSettings();
  const detail = useQuery({
    queryKey: ['workflow', id],
    queryFn: () =>
      unwrap<WorkflowDetail>(api.GET('/api/workflows/{id}', { params: { path: { id } } })),
    retry: false,
  });
  const audit = useQuery({
    queryKey: ['workflow', id, 'audit'],
    queryFn: () =>
      unwrap<{ events: AuditEvent[] }>(
        api.GET('/api/workflows/{id}/audit', { params: { path: { id } } }),
      ),
    enabled: detail.isSuccess,
  });
  const live = useLive(detail.isSuccess ? `/api/workflows/${id}/events` : undefined, [
    ['workflow', id],
  ]);
  return (
    <Loaded query={detail} what="the workflow">
      {(d) => {
        const w = d.workflow;
        const temporalUrl =
          settings.data && w.temporalWorkflowId
            ? `${settings.data.temporalUiUrl}/namespaces/${settings.data.namespace}/workflows/${encodeURIComponent(w.temporalWorkflowId)}`
            : undefined;
        const slaOf = (t: Task) => d.sla.find((s) => s.taskExecutionId === t.id);
        return (
          <article aria-labelledby="wf-title">
            <div className="heading">
              <h1 id="wf-title">{w.title}</h1>
              <LiveDot state={live} />
            </div>
            <dl className="header-facts">
              <div>
                <dt>Type</dt>
                <dd>{TYPE_LABELS[w.workflowType]}</dd>
              </div>
              <div>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={w.status} />
                </dd>
              </div>
              <div>
                <dt>Priority</dt>
                <dd>{w.priority}</dd>
              </div>
              <div>
                <dt>Due</dt>
                <dd>
                  <When at={w.dueAt} />
                </dd>
              </div>
              {me.userType === 'HIL' && temporalUrl ? (
                <div>
                  <dt>Temporal</dt>
                  <dd>
                    <a href={temporalUrl} target="_blank" rel="noreferrer">
                      Open in the Temporal UI
                    </a>
                  </dd>
                </div>
              ) : null}
            </dl>
            <h2>Tasks</h2>
            <table className="timeline">
              <caption className="sr-only">Every attempt of every step</caption>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Status</th>
                  <th scope="col">By</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Took</th>
                  <th scope="col">SLA</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {d.tasks.map((t) => (
                  <tr key={t.id} data-task-type={t.taskType} data-status={t.status}>
                    <td>
                      {t.stepIndex + 1}. {t.title}
                    </td>
                    <td>{t.attempt}</td>
                    <td>
                      <StatusBadge status={t.status} />
                    </td>
                    <td data-testid="executor">
                      {t.executorType === 'HIL'
                        ? `person ${t.executedBy === me.id ? '(you)' : (t.executedBy?.slice(0, 8) ?? '')}`
                        : (t.agentName ?? t.executorType.toLowerCase())}
                    </td>
                    <td>{t.channel ?? '—'}</td>
                    <td>
                      <When at={t.startedAt} />
                    </td>
                    <td>
                      <When at={t.completedAt} />
                    </td>
                    <td>{took(t)}</td>
                    <td>{slaOf(t) ? <SlaClock sla={slaOf(t)!} /> : '—'}</td>
                    <td>{t.errorMessage ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Documents</h2>
            {d.documents.length === 0 ? (
              <p className="state">No documents yet.</p>
            ) : (
              <ul>
                {d.documents.map((doc) => (
                  <li key={doc.id}>
                    {doc.filename}{' '}
                    <span className="muted">
                      received <When at={doc.createdAt} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <h2>Communications</h2>
            {d.communications.length === 0 ? (
              <p className="state">No communications yet.</p>
            ) : (
              <ul>
                {d.communications.map((c) => (
                  <li key={c.id}>
                    <StatusBadge status={c.status} /> {c.direction.toLowerCase()}{' '}
                    {c.communicationType.toLowerCase()}: {c.subject ?? '(no subject)'}{' '}
                    {c.recipient ? `→ ${c.recipient}` : ''}{' '}
                    <span className="muted">
                      <When at={c.createdAt} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <h2>Invoice</h2>
            {d.invoice ? (
              <table>
                <caption>
                  {d.invoice.invoiceNumber} · {d.invoice.status} · total {d.invoice.total}{' '}
                  {d.invoice.currency}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col">Quantity</th>
                    <th scope="col">Unit price</th>
                  </tr>
                </thead>
                <tbody>
                  {d.invoice.costItems.map((l) => (
                    <tr key={l.id}>
                      <td>{l.description}</td>
                      <td>{l.quantity}</td>
                      <td>{l.unitPrice}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="state">No invoice yet.</p>
            )}
            <h2>Audit trail</h2>
            <Loaded query={audit} what="the audit trail" empty={(a) => a.events.length === 0}>
              {(a) => (
                <ol className="audit">
                  {a.events.map((e) => (
                    <li key={e.id}>
                      <When at={e.createdAt} /> <strong>{e.action}</strong>{' '}
                      <span className="muted">
                        by {e.actorName ?? e.actorType.toLowerCase()}{' '}
                        {e.actorType === 'HUMAN' ? e.actorId.slice(0, 8) : ''}
                      </span>
                    </li>
                  ))}
                </ol>
              )}
            </Loaded>
          </article>
        );
      }}
    </Loaded>
  );
}

/** How long an attempt took, in words ("2 min 5 s"); empty while it runs. */
function took(t: Task): string {
  if (!t.startedAt || !t.completedAt) return '';
  const s = Math.max(0, Math.round((Date.parse(t.completedAt) - Date.parse(t.startedAt)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A step's SLA level, what its clock counts, and its pauses (why, how long). */
function SlaClock({ sla }: { sla: Sla }) {
  const paused = sla.pauses.filter((p) => p.resumedAt !== null);
  const pausedMs = paused.reduce(
    (sum, p) => sum + Date.parse(p.resumedAt!) - Date.parse(p.pausedAt),
    0,
  );
  return (
    <span>
      <SlaBadge level={sla.alertLevel} />
      {sla.counts === 'BUSINESS' ? <span className="muted small"> working hours</span> : null}
      {sla.pausedAt ? (
        <span className="muted small" data-testid="clock-paused">
          {' '}
          · paused
        </span>
      ) : null}
      {paused.length > 0 ? (
        <span className="muted small">
          {' '}
          · {paused.length} pause{paused.length > 1 ? 's' : ''}, {Math.round(pausedMs / 60_000)} min
        </span>
      ) : null}
    </span>
  );
}
