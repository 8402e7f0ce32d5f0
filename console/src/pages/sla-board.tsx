import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useLive } from '../api/live';
import {
  SLA_LEVELS,
  SLA_THRESHOLDS,
  TYPE_LABELS,
  type SlaLevel,
  type Workflow,
} from '../api/types';
import { Link } from '../router';
import { LiveDot, Loaded, SlaBadge } from '../ui/bits';
import { Countdown } from '../ui/time';

interface BoardRow {
  level: SlaLevel;
  startedAt: string;
  dueAt: string;
  workflowId: string;
  workflowType: Workflow['workflowType'];
  taskExecutionId: string;
  taskType: string;
}

/** Share of the SLA at which each level is reached, in order. */
const THRESHOLDS = Object.entries(SLA_THRESHOLDS) as [SlaLevel, number][];

/** The next level a clock reaches, and when. */
function nextThreshold(row: BoardRow): { level: SlaLevel; at: string } | undefined {
  const reached = THRESHOLDS.findIndex(([level]) => level === row.level);
  const next = THRESHOLDS[reached + 1];
  if (!next) return undefined;
  const start = Date.parse(row.startedAt);
  const span = Date.parse(row.dueAt) - start;
  return { level: next[0], at: new Date(start + Math.round(span * next[1])).toISOString() };
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
  const next = nextThreshold(row);
  if (!next)
    return (
      <span>
        breached; was due <Countdown at={row.dueAt} />
      </span>
    );
  return (
    <span>
      {next.level} in <Countdown at={next.at} />
    </span>
  );
}
