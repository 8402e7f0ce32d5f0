import { describe, expect, it } from 'vitest';
import {
  currentDetails,
  propertyOf,
  span,
  staticDetails,
  staticSummary,
  utc,
  type CurrentView,
} from '../../workflows/business/summary.js';

// The texts of the Temporal UI's user metadata (pure functions: no worker needed).

const T = Date.parse('2026-12-01T10:45:00Z');
const start = {
  workflowType: 'PAYOFF' as const,
  clientName: 'Acme Title',
  title: 'Payoff for 12 Elm St',
  priority: 'HIGH' as const,
  metadata: { propertyAddress: '12 Elm St, Springfield', loanNumber: 'LN-77', nested: { a: 1 } },
};

describe('static summary and details', () => {
  it('say what, for whom, where and how urgent', () => {
    expect(staticSummary(start)).toBe(
      'Payoff request for Acme Title · 12 Elm St, Springfield · HIGH priority',
    );
    // No property address: the row's title; no client name: left out.
    expect(
      staticSummary({
        ...start,
        workflowType: 'MUNICIPAL_LIEN_SEARCH',
        clientName: undefined,
        metadata: {},
      }),
    ).toBe('Municipal lien search · Payoff for 12 Elm St · HIGH priority');
    const details = staticDetails({ ...start, rowId: 'r-1', description: 'Seller: J. Doe' });
    expect(details).toBe(
      [
        '**Payoff for 12 Elm St**',
        'Seller: J. Doe',
        'Row `r-1` of the `workflows` table.',
        '- propertyAddress: 12 Elm St, Springfield\n- loanNumber: LN-77',
      ].join('\n\n'),
    );
  });

  it('take the property from metadata.propertyAddress, else the title', () => {
    expect(propertyOf({ propertyAddress: ' 1 Main St ' }, 't')).toBe('1 Main St');
    expect(propertyOf({ propertyAddress: '' }, 't')).toBe('t');
    expect(propertyOf({ propertyAddress: 7 })).toBeUndefined();
  });
});

describe('current details', () => {
  const running: CurrentView = {
    workflowType: 'PAYOFF',
    clientName: 'Acme Title',
    property: '12 Elm St, Springfield',
    status: 'IN_PROGRESS',
    step: {
      number: 2,
      of: 4,
      taskType: 'send_payoff_request',
      executor: 'AI_AGENT',
      agent: 'mia',
      attempt: 1,
      doing: 'dispatched, its outcome due by 2026-12-01 11:15 UTC',
      slaLevel: 'YELLOW',
      next: { level: 'ORANGE', at: T + 200 * 60_000 },
      slaDueAt: T + 3 * 86_400_000 + 65 * 60_000,
    },
    dueAt: T - 30 * 60_000,
    now: T,
  };

  it('name the step, its agent, its SLA level, the next level and the time left', () => {
    expect(currentDetails(running)).toBe(
      [
        '**Payoff request** for Acme Title · 12 Elm St, Springfield',
        'Step 2 of 4: **send_payoff_request** by agent mia, attempt 1, dispatched, its outcome due by 2026-12-01 11:15 UTC.',
        'SLA **YELLOW**; ORANGE at 2026-12-01 14:05 UTC (in 3 h 20 min); step due 2026-12-04 11:50 UTC (in 3 d 1 h 5 min).',
        'Workflow due 2026-12-01 10:15 UTC (30 min ago). Status IN_PROGRESS; as of 2026-12-01 10:45 UTC.',
      ].join('\n\n'),
    );
  });

  it('say who holds an open escalation, or that nobody has taken it', () => {
    const blocked: CurrentView = {
      ...running,
      status: 'BLOCKED',
      step: { ...running.step!, executor: 'HIL', agent: undefined, doing: 'escalated' },
      escalation: { trigger: 'SLA_RED', reason: 'RED at 95%', assignedTo: 'u-7' },
    };
    const text = currentDetails(blocked);
    expect(text).toContain(
      'Step 2 of 4: **send_payoff_request** by a person, attempt 1, escalated.',
    );
    expect(text).toContain(
      '**Blocked on a person**: escalated (SLA RED: RED at 95%); held by user u-7.',
    );
    expect(
      currentDetails({ ...blocked, escalation: { ...blocked.escalation!, assignedTo: undefined } }),
    ).toContain('nobody has taken it yet');
  });

  it('say when it ended', () => {
    expect(currentDetails({ ...running, status: 'COMPLETED', step: undefined })).toBe(
      '**Payoff request** for Acme Title · 12 Elm St, Springfield\n\nCompleted at 2026-12-01 10:45 UTC.',
    );
  });

  it('spell times and spans plainly', () => {
    expect(utc(T)).toBe('2026-12-01 10:45 UTC');
    expect(span(59_999)).toBe('under a minute');
    expect(span(61 * 60_000)).toBe('1 h 1 min');
    expect(span(-(2 * 86_400_000))).toBe('2 d ago');
  });
});
