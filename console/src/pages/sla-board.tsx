import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useLive } from '../api/live';
import { SLA_LEVELS, TYPE_LABELS, type SlaLevel, type Workflow } from '../api/types';
import { Link } from '../router';
import { LiveDot, Loaded, SlaBadge } from '../ui/bits';
import { Countdown, When } from '../ui/time';

interface BoardRow {
  level: SlaLevel;
  startedAt: string;
  dueAt: string;
  workflowId: string;
  workflowType: Workflow['workflowType'];
  taskExecutionId: string;
  taskType: string;
  /** BUSINESS clocks count the calendar's working hours; CALENDAR ones every hour. */
  counts: 'BUSINESS' | 'CALENDAR';
  calendarName: string | null;
  countedMs: number;
  remainingMs: number;
  /** The next level and its instant (the API computes it with the clock's calendar). */
  next: { level: SlaLevel; at: string } | null;
  paused: {
    reason: 'INBOUND_WAIT' | 'THIRD_PARTY_HOLD' | null;
    since: string;
    note: string | null;
  } | null;
}

const PAUSE_REASONS = {
  INBOUND_WAIT: 'waiting on the counterparty',
  THIRD_PARTY_HOLD: 'on hold for a third party',
} as const;

/** `3 h 12 min`: a duration of counted time. */
function hours(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h > 0 ? `${h} h ${minutes % 60} min` : `${minutes} min`;
}

/** Running tasks by SLA level, in the seed's colours, each counting down to its due time. */
export function SlaBoardPage() {
  const board = useQuery({
    queryKey: ['sla-board'],
    queryFn: () => unwrap<Record<SlaLevel, BoardRow[]>>(api.GET('/api/sla-board')),
  });
  const live = useLive('/api/events', [['sla-board']]);
  return (
    <section aria-labelledby="sla-title">
      <div className="heading">
        <h1 id="sla-title">SLA board</h1>
        <LiveDot state={live} />
      </div>
      <Loaded query={board} what="the SLA board">
        {(b) => (
          <div className="board">
            {SLA_LEVELS.map((level) => (
              <section
                key={level}
                className={`lane lane-${level.toLowerCase()}`}
                aria-label={`${level} tasks`}
              >
                <h2>
                  <SlaBadge level={level} /> {b[level].length}
                </h2>
                {b[level].length === 0 ? (
                  <p className="state">None.</p>
                ) : (
                  <ul>
                    {b[level].map((r) => (
                      <li key={r.taskExecutionId}>
                        <Link to={`/workflows/${r.workflowId}`}>{r.taskType}</Link>
                        <span className="muted small"> {TYPE_LABELS[r.workflowType]}</span>
                        <br />
                        <NextLevel row={r} />
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            ))}
          </div>
        )}
      </Loaded>
    </section>
  );
}

function NextLevel({ row }: { row: BoardRow }) {
  const calendar = row.calendarName ? `working hours, ${row.calendarName}` : 'working hours';
  const counted = (
    <span className="muted small">
      {' '}
      · used {hours(row.countedMs)}, {hours(row.remainingMs)} left
      {row.counts === 'BUSINESS' ? ` (${calendar})` : ''}
    </span>
  );
  if (row.paused)
    return (
      <span data-testid="paused">
        paused{row.paused.reason ? `: ${PAUSE_REASONS[row.paused.reason]}` : ''}
        {row.paused.note ? ` (${row.paused.note})` : ''} since <When at={row.paused.since} />
        {counted}
      </span>
    );
  if (!row.next)
    return (
      <span>
        breached; was due <Countdown at={row.dueAt} />
        {counted}
      </span>
    );
  return (
    <span>
      {row.next.level} in <Countdown at={row.next.at} />
      {counted}
    </span>
  );
}
