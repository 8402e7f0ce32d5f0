import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useLive } from '../api/live';
import { SLA_LEVELS, TYPE_LABELS, WORKFLOW_STATUSES, type Workflow } from '../api/types';
import { Link, setParam, useRoute } from '../router';
import { LiveDot, Loaded, StatusBadge, TypeSelect } from '../ui/bits';
import { When } from '../ui/time';

const PAGE = 25;

/** Every workflow the caller may see (a client: their organisation's), filtered and paged. */
export function WorkflowsPage() {
  const { search } = useRoute();
  const type = (search.get('type') as Workflow['workflowType'] | null) ?? undefined;
  const status = (search.get('status') as Workflow['status'] | null) ?? undefined;
  const slaLevel = (search.get('sla') as (typeof SLA_LEVELS)[number] | null) ?? undefined;
  const offset = Number(search.get('offset') ?? 0) || 0;
  const text = search.get('q') ?? undefined;
  const clientId = search.get('client') ?? undefined;
  const clients = useQuery({
    queryKey: ['clients'],
    queryFn: () => unwrap<{ items: { id: string; name: string }[] }>(api.GET('/api/clients')),
    staleTime: 300_000,
  });
  // A new filter starts again from the first page.
  const set = (name: string, value: string) =>
    setParam('/workflows', search, name, value, ['offset']);
  const query = useQuery({
    queryKey: ['workflows', { type, status, slaLevel, offset, text, clientId }],
    queryFn: () =>
      unwrap<{ items: Workflow[]; total: number; limit: number; offset: number }>(
        api.GET('/api/workflows', {
          params: {
            query: { type, status, slaLevel, clientId, search: text, limit: PAGE, offset },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const live = useLive('/api/events', [['workflows']]);
  return (
    <section aria-labelledby="wf-list-title">
      <div className="heading">
        <h1 id="wf-list-title">Workflows</h1>
        <LiveDot state={live} />
      </div>
      <form
        className="filters"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          const q = new FormData(e.currentTarget).get('q');
          set('q', typeof q === 'string' ? q.trim() : '');
        }}
      >
        <label>
          Search
          <input name="q" type="search" defaultValue={text ?? ''} placeholder="Title or address" />
        </label>
        <button type="submit">Find</button>
        {(clients.data?.items.length ?? 0) > 1 ? (
          <label>
            Client
            <select value={clientId ?? ''} onChange={(e) => set('client', e.target.value)}>
              <option value="">Any client</option>
              {clients.data!.items.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <TypeSelect value={type} onChange={(v) => set('type', v)} />
        <label>
          Status
          <select value={status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">Any status</option>
            {WORKFLOW_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ').toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          SLA level
          <select value={slaLevel ?? ''} onChange={(e) => set('sla', e.target.value)}>
            <option value="">Any level</option>
            {SLA_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Loaded
        query={query}
        what="workflows"
        empty={(d) => d.items.length === 0}
        emptyText="No workflow matches."
      >
        {(d) => (
          <>
            <table className="list">
              <caption className="sr-only">Workflows</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Due</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((w) => (
                  <tr key={w.id}>
                    <td>
                      <Link to={`/workflows/${w.id}`}>{w.title}</Link>
                    </td>
                    <td>{TYPE_LABELS[w.workflowType]}</td>
                    <td>
                      <StatusBadge status={w.status} />
                    </td>
                    <td>{w.priority}</td>
                    <td>
                      <When at={w.dueAt} />
                    </td>
                    <td>
                      <When at={w.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav className="pager" aria-label="Pages">
              <button
                type="button"
                disabled={offset === 0}
                onClick={() => set('offset', String(Math.max(0, offset - PAGE)))}
              >
                Previous
              </button>
              <span>
                {d.offset + 1}–{d.offset + d.items.length} of {d.total}
              </span>
              <button
                type="button"
                disabled={d.offset + d.items.length >= d.total}
                onClick={() => set('offset', String(offset + PAGE))}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </Loaded>
    </section>
  );
}
