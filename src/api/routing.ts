import type pg from 'pg';
import { legacyBusinessWorkflowId } from '../../workflows/business/identity.js';
import type { ApiDeps } from './context.js';

// Which Temporal workflow a message for a `workflows` row goes to: the ID the row was started
// with (workflows.temporal_workflow_id: `payoff-<id>` and so on, or `workflow-<id>` for rows
// started before the ID named the business type). It never changes once set, so it is kept.

const CACHE_SIZE = 10_000;
const caches = new WeakMap<pg.Pool, Map<string, string>>();

/**
 * The Temporal workflow ID of row `rowId`. A row without one (none, or written before the
 * API set it at insert) gets the old-style ID: if no workflow runs under it, Temporal says
 * so, and the answer tells unknown from not started (see closedWorkflowError).
 */
export async function temporalIdOf(deps: Pick<ApiDeps, 'pool'>, rowId: string): Promise<string> {
  let cache = caches.get(deps.pool);
  if (!cache) caches.set(deps.pool, (cache = new Map<string, string>()));
  const known = cache.get(rowId);
  if (known) return known;
  const { rows } = await deps.pool.query<{ id: string | null }>(
    'SELECT temporal_workflow_id AS id FROM workflows WHERE id = $1',
    [rowId],
  );
  const id = rows[0]?.id;
  if (!id) return legacyBusinessWorkflowId(rowId);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(rowId, id);
  return id;
}
