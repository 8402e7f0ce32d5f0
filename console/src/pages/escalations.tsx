import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSettings } from '../session';
import { api, unwrap } from '../api/client';
import { useLive } from '../api/live';
import {
  TRIGGERS,
  TYPE_LABELS,
  type Answer,
  type EscalationItem,
  type Me,
  type Task,
  type Workflow,
} from '../api/types';
import { Link, setParam, useRoute } from '../router';
import { LiveDot, Loaded, SlaBadge, TypeSelect } from '../ui/bits';
import { Countdown, When } from '../ui/time';
import { ResolveForm } from './resolve';

interface Filters {
  workflowType?: Workflow['workflowType'];
  trigger?: (typeof TRIGGERS)[number];
  assignedTo?: 'me' | 'unassigned';
}

/** The open escalations, most urgent first (SLA level, then time left), live. */
export function EscalationsPage({ me }: { me: Me }) {
  const { search } = useRoute();
  const filters: Filters = {
    workflowType: (search.get('type') as Filters['workflowType']) ?? undefined,
    trigger: (search.get('trigger') as Filters['trigger']) ?? undefined,
    assignedTo: (search.get('assigned') as Filters['assignedTo']) ?? undefined,
  };
  const setFilter = (name: string, value: string) => setParam('/escalations', search, name, value);
  const query = useQuery({
    queryKey: ['escalations', filters],
    queryFn: () =>
      unwrap<{
        items: (EscalationItem & { workflowTitle: string; assigneeName: string | null })[];
      }>(api.GET('/api/escalations', { params: { query: { status: 'OPEN', ...filters } } })),
  });
  const live = useLive('/api/events', [['escalations'], ['escalation-workflow'], ['sla-board']]);
  const [selected, setSelected] = useState<string | null>(null);

  return (
    <section aria-labelledby="queue-title">
      <div className="heading">
        <h1 id="queue-title">Open escalations</h1>
        <LiveDot state={live} />
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <TypeSelect value={filters.workflowType} onChange={(v) => setFilter('type', v)} />
        <label>
          Why
          <select
            value={filters.trigger ?? ''}
            onChange={(e) => setFilter('trigger', e.target.value)}
          >
            <option value="">Any reason</option>
            {TRIGGERS.map((t) => (
              <option key={t} value={t}>
                {t.replaceAll('_', ' ').toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Assigned
          <select
            value={filters.assignedTo ?? ''}
            onChange={(e) => setFilter('assigned', e.target.value)}
          >
            <option value="">Anyone</option>
            <option value="me">To me</option>
            <option value="unassigned">Unassigned</option>
          </select>
        </label>
      </form>
      <DemoEscalation />
      <Loaded
        query={query}
        what="escalations"
        empty={(d) => d.items.length === 0}
        emptyText="No open escalation matches: nothing waits for a person."
      >
        {(data) => (
          <ul className="queue" aria-label="Escalations">
            {data.items.map((item) => (
              <li
                key={item.escalation.id}
                className={`row sla-edge-${item.slaLevel.toLowerCase()}`}
              >
                <EscalationRow
                  item={item}
                  me={me}
                  open={selected === item.escalation.id}
                  onToggle={() =>
                    setSelected(selected === item.escalation.id ? null : item.escalation.id)
                  }
                />
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </section>
  );
}

/** On the local stack: start a payoff whose first agent asks for a person. */
function DemoEscalation() {
  const settings = useSettings();
  const start = useMutation({
    mutationFn: () => unwrap<{ workflowId: string }>(api.POST('/api/dev/demo-escalation')),
  });
  if (!settings.data?.demoEscalation) return null;
  return (
    <p className="demo">
      <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
        Start a demo workflow that needs a person
      </button>{' '}
      <span className="muted small">
        {start.isSuccess
          ? 'Started: its escalation appears here in a few seconds.'
          : 'Local stack only: a payoff request whose first agent asks for help.'}
      </span>
      {start.error ? (
        <span role="alert" className="error">
          {' '}
          {start.error.message}
        </span>
      ) : null}
    </p>
  );
}

function EscalationRow(props: {
  item: EscalationItem & { workflowTitle: string; assigneeName: string | null };
  me: Me;
  open: boolean;
  onToggle: () => void;
}) {
  const { item, me } = props;
  const e = item.escalation;
  const mine = e.assignedTo === me.id;
  const holder = mine ? 'you' : (item.assigneeName ?? (e.assignedTo ? 'someone' : null));
  return (
    <article aria-label={`Escalation on ${item.taskType}`} data-escalation-id={e.id}>
      <div className="row-head">
        <SlaBadge level={item.slaLevel} />
        <span className="title">
          <Link to={`/workflows/${e.workflowId}`}>{item.workflowTitle}</Link>
          <span className="muted">
            {' '}
            · {TYPE_LABELS[item.workflowType]} · {item.taskType}
          </span>
        </span>
        <span className="due">
          {item.slaPaused ? (
            <span data-testid="sla-paused">
              SLA paused (
              {item.slaPaused === 'THIRD_PARTY_HOLD'
                ? 'on hold for a third party'
                : 'waiting on the counterparty'}
              )
            </span>
          ) : (
            <>
              SLA <Countdown at={item.slaDueAt} />
            </>
          )}
        </span>
      </div>
      <p className="why">
        <strong>{e.trigger.replaceAll('_', ' ').toLowerCase()}</strong>: {e.reason}
      </p>
      <p className="muted small">
        Opened <When at={e.createdAt} /> ·{' '}
        <span data-testid="holder">{holder ? `Taken by ${holder}` : 'Unassigned'}</span>
      </p>
      <div className="actions">
        <AssignButtons item={item} me={me} />
        <HoldButton item={item} me={me} />
        <button type="button" aria-expanded={props.open} onClick={props.onToggle}>
          {props.open ? 'Close' : 'Resolve…'}
        </button>
      </div>
      {props.open ? <EscalationDetails item={item} /> : null}
    </article>
  );
}

/** Take it (or take it over, for a manager), or hand it on (its holder or a manager). */
function AssignButtons({ item, me }: { item: EscalationItem; me: Me }) {
  const queryClient = useQueryClient();
  const e = item.escalation;
  const manager = me.role === 'MANAGER' || me.role === 'ADMIN';
  const [to, setTo] = useState('');
  const staff = useQuery({
    queryKey: ['hil-staff'],
    queryFn: () => unwrap<{ items: { id: string; name: string }[] }>(api.GET('/api/hil-staff')),
    staleTime: 300_000,
  });
  const assign = useMutation({
    mutationFn: (assigneeId?: string) =>
      unwrap<Answer>(
        api.POST('/api/escalations/{id}/assign', {
          params: { path: { id: e.id } },
          body: assigneeId ? { assigneeId } : {},
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['escalations'] }),
  });
  const mine = e.assignedTo === me.id;
  const canTake = !mine && (!e.assignedTo || manager);
  const canHandOn = mine || manager;
  return (
    <>
      {canTake ? (
        <button type="button" onClick={() => assign.mutate(undefined)} disabled={assign.isPending}>
          {e.assignedTo ? 'Take over' : 'Take'}
        </button>
      ) : null}
      {canHandOn ? (
        <span className="hand-on">
          <label>
            Hand on to
            <select value={to} onChange={(ev) => setTo(ev.target.value)}>
              <option value="">Choose…</option>
              {(staff.data?.items ?? [])
                .filter((s) => s.id !== e.assignedTo)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
            </select>
          </label>
          <button
            type="button"
            disabled={!to || assign.isPending}
            onClick={() => assign.mutate(to)}
          >
            Hand on
          </button>
        </span>
      ) : null}
      {assign.error ? (
        <span role="alert" className="error">
          {assign.error.message}
        </span>
      ) : null}
    </>
  );
}

/**
 * A manager puts the escalation on hold for a third party (the step's SLA clock stops), or
 * lifts the hold. The workflow refuses it (422) for a step whose clock never stops.
 */
function HoldButton({ item, me }: { item: EscalationItem; me: Me }) {
  const queryClient = useQueryClient();
  const onHold = item.slaPaused === 'THIRD_PARTY_HOLD';
  const hold = useMutation({
    mutationFn: (next: boolean) =>
      unwrap<Answer>(
        api.POST('/api/escalations/{id}/hold', {
          params: { path: { id: item.escalation.id } },
          body: { onHold: next },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['escalations'] }),
  });
  if (me.role !== 'MANAGER' && me.role !== 'ADMIN') return null;
  return (
    <>
      <button type="button" onClick={() => hold.mutate(!onHold)} disabled={hold.isPending}>
        {onHold ? 'Lift hold' : 'Hold for third party'}
      </button>
      {hold.error ? (
        <span role="alert" className="error">
          {hold.error.message}
        </span>
      ) : null}
    </>
  );
}

/** The agent's last attempt: input, output or error, attempts; and the decision form. */
function EscalationDetails({ item }: { item: EscalationItem }) {
  const e = item.escalation;
  const detail = useQuery({
    queryKey: ['escalation-workflow', e.workflowId],
    queryFn: () =>
      unwrap<{ tasks: Task[] }>(
        api.GET('/api/workflows/{id}', { params: { path: { id: e.workflowId } } }),
      ),
  });
  const attempts = (detail.data?.tasks ?? []).filter((t) => t.taskType === item.taskType);
  const last = attempts.find((t) => t.id === e.taskExecutionId) ?? attempts.at(-1);
  return (
    <div className="details">
      <Loaded query={detail} what="the task">
        {() => (
          <dl>
            <dt>Attempts</dt>
            <dd>{attempts.length}</dd>
            <dt>Agent</dt>
            <dd>{last?.agentName ?? '—'}</dd>
            <dt>Last error</dt>
            <dd>{last?.errorMessage ?? '—'}</dd>
            <dt>Agent input</dt>
            <dd>
              <pre>{JSON.stringify(last?.inputData ?? null, null, 2)}</pre>
            </dd>
            <dt>Agent output</dt>
            <dd>
              <pre>{JSON.stringify(last?.outputData ?? null, null, 2)}</pre>
            </dd>
          </dl>
        )}
      </Loaded>
      <ResolveForm escalationId={e.id} taskType={item.taskType} />
    </div>
  );
}
