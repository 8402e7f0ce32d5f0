import fs from 'node:fs';
import path from 'node:path';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWithReplacements, HISTORIES_DIR } from '../helpers/temporal.js';

// Histories recorded from real runs of the tests (RECORD_HISTORIES=1 npm test) and
// committed. Every change to workflow code must still replay them; a change that cannot
// goes behind patched().

type Server = 'dev' | 'time-skipping';

function histories(server: Server) {
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith(`.${server}.json`))
    .map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      // The worker converts the CLI's JSON itself.
      history: JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, f), 'utf8')) as unknown,
    }));
}

async function replay(bundle: WorkflowBundle, server: Server) {
  const results: { workflowId: string; error?: Error }[] = [];
  for await (const r of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: `replay-${server}` },
    histories(server),
  )) {
    results.push({ workflowId: r.workflowId, error: r.error });
  }
  return results;
}

// Two generations: without a suffix, recorded before database writes became local activities
// (and before outcome deadlines, two-part SLA timers, documents waiting for their rows): they
// prove that running workflows of that code still replay. With `-v2`, recorded with the
// code of their time (definitions version 2); `npm run record-histories` records these again.
// With `-v3`: definitions version 3, clocks counting working hours in a business calendar,
// paused while the lender holds the ball (test/workflows/calendars.test.ts).
const EXPECTED = [
  'hoa-acquisition-completed-v2.dev',
  'hoa-acquisition-completed.dev',
  'hoa-business-clock-v3.time-skipping',
  'hoa-follow-ups-queued-only.time-skipping', // recorded before n8n sent follow-ups
  'hoa-follow-ups-sent-and-failed-v2.time-skipping',
  'hoa-follow-ups-sent-and-failed.time-skipping',
  'lien-search-outcome-by-signal-v2.dev',
  'lien-search-outcome-by-signal.dev',
  'lien-search-outcome-lost-v2.time-skipping',
  'lien-search-outcome-overtakes-dispatch-v2.dev',
  'lien-search-outcome-overtakes-dispatch.dev',
  'lien-search-resumed-after-continue-as-new-v2.time-skipping',
  'lien-search-resumed-after-continue-as-new.time-skipping',
  'lien-search-sla-breached-v2.time-skipping',
  'lien-search-sla-breached.time-skipping',
  'municipal-lien-search-completed-v2.dev',
  'municipal-lien-search-completed.dev',
  'payoff-cancel-workflow-v2.time-skipping',
  'payoff-cancel-workflow.time-skipping',
  'payoff-cancelled-through-api-v2.dev',
  'payoff-cancelled-through-api.dev',
  'payoff-completed-as-payoff-workflow.dev',
  'payoff-completed-v2.dev',
  'payoff-completed.dev',
  'payoff-escalation-assigned-v2.dev',
  'payoff-escalation-assigned.dev',
  'payoff-needs-human-complete-v2.time-skipping',
  'payoff-needs-human-complete.time-skipping',
  'payoff-paused-wait-v3.time-skipping',
  'payoff-retries-escalation-retry-v2.time-skipping',
  'payoff-retries-escalation-retry.time-skipping',
];

const bundles: Record<string, WorkflowBundle> = {};
beforeAll(async () => {
  [bundles.dev, bundles.skipping, bundles.incompatibleDev, bundles.incompatibleSkipping] =
    await Promise.all([
      bundleWithReplacements({}),
      bundleWithReplacements({ visibility: 'visibility-time-skipping.ts' }),
      bundleWithReplacements({ activities: 'incompatible-activities.ts' }),
      bundleWithReplacements({
        visibility: 'visibility-time-skipping.ts',
        activities: 'incompatible-activities.ts',
      }),
    ]);
});

describe('replay of recorded histories', () => {
  it('has histories of every workflow type and path worth keeping', () => {
    const names = [...histories('dev'), ...histories('time-skipping')]
      .map((h) => h.workflowId)
      .sort();
    expect(names).toEqual(EXPECTED);
  });

  it('replays every history with the current code', async () => {
    const results = [
      ...(await replay(bundles.dev!, 'dev')),
      ...(await replay(bundles.skipping!, 'time-skipping')),
    ];
    expect(results.length).toBe(EXPECTED.length);
    expect(
      results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`),
    ).toEqual([]);
  });

  it('fails replay for a deliberately incompatible change', async () => {
    const results = [
      ...(await replay(bundles.incompatibleDev!, 'dev')),
      ...(await replay(bundles.incompatibleSkipping!, 'time-skipping')),
    ];
    expect(results.length).toBe(EXPECTED.length);
    for (const r of results)
      expect(r.error, r.workflowId).toBeInstanceOf(DeterminismViolationError);
  });
});
