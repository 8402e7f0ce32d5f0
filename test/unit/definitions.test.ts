import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  atTimeScale,
  backoffBefore,
  chooseAgent,
  DEFAULT_OUTCOME_DEADLINE,
  DEFINITIONS,
  getDefinition,
  latestVersion,
  outcomeDeadline,
  slaFor,
  totalSla,
  WORKFLOW_TYPES,
} from '../../workflows/definitions/index.js';
import { exampleOutput, TASK_TYPES_WITH_OUTPUTS } from '../../workflows/definitions/outputs.js';

const sequence = (type: (typeof WORKFLOW_TYPES)[number]) =>
  getDefinition(type, latestVersion(type)).steps.map((s) => [
    s.taskType,
    s.agent
      ? [s.agent.defaultAgent, ...Object.values(s.agent.byChannel ?? {})]
          .filter((v, i, a) => a.indexOf(v) === i)
          .join('/')
      : '-',
  ]);

describe('workflow definitions', () => {
  it('follow the seed task sequences exactly', () => {
    expect(sequence('MUNICIPAL_LIEN_SEARCH')).toEqual([
      ['research_municipality', 'Nina'],
      ['portal_access', 'Rex'],
      ['process_documents', 'Iris'],
      ['quality_validation', 'Cassy'],
      ['generate_invoice', 'Kosha'],
    ]);
    expect(sequence('HOA_ACQUISITION')).toEqual([
      ['research_hoa_contact', 'Nina'],
      ['send_request', 'Mia/Florian'],
      ['await_documents', '-'],
      ['analyze_hoa_docs', 'Corey'],
      ['quality_validation', 'Cassy'],
    ]);
    expect(sequence('PAYOFF')).toEqual([
      ['identify_lender_contact', 'Nina'],
      ['send_payoff_request', 'Mia/Max/Florian'],
      ['extract_payoff_data', 'Iris'],
      ['generate_invoice', 'Kosha'],
      ['update_crm_record', 'Ria'],
      ['notify_client', 'Mia'],
    ]);
  });

  it('declare for every step an SLA, a retry policy, and a follow-up schedule for waits', () => {
    for (const type of WORKFLOW_TYPES) {
      for (const step of getDefinition(type, latestVersion(type)).steps) {
        expect(step.sla, step.taskType).toBeGreaterThan(0);
        expect(step.retry.maxAttempts).toBeGreaterThanOrEqual(1);
        expect(step.retry.initialBackoff).toBeGreaterThan(0);
        expect(step.agent || step.awaits, `${step.taskType} does nothing`).toBeTruthy();
        if (step.awaits) expect(step.awaits.followUpEvery).toBeGreaterThan(0);
        for (const earlier of step.inputsFrom) {
          const steps = getDefinition(type, latestVersion(type)).steps.map((s) => s.taskType);
          expect(steps.indexOf(earlier), `${step.taskType} needs ${earlier}`).toBeLessThan(
            steps.indexOf(step.taskType),
          );
        }
      }
    }
    expect(getDefinition('PAYOFF', 1).steps[2]!.awaits?.kind).toBe('PAYOFF_STATEMENT');
    expect(getDefinition('HOA_ACQUISITION', 1).steps[2]!.awaits?.kind).toBe('HOA_DOCUMENTS');
  });

  it('never change a released version (a running workflow keeps the definition it started with)', () => {
    const fingerprint = (type: (typeof WORKFLOW_TYPES)[number], version: number) =>
      createHash('sha256')
        .update(JSON.stringify(DEFINITIONS[type][version]))
        .digest('hex')
        .slice(0, 16);
    // To change a definition, add a version beside the released ones; never edit these.
    const now = Object.fromEntries(
      WORKFLOW_TYPES.flatMap((type) =>
        Object.keys(DEFINITIONS[type]).map((v) => [`${type}_${v}`, fingerprint(type, Number(v))]),
      ),
    );
    expect(now).toEqual(RELEASED);
  });

  it('give every agent step of the latest versions an outcome deadline well inside its SLA', () => {
    for (const type of WORKFLOW_TYPES) {
      const latest = getDefinition(type, latestVersion(type));
      expect(latest.version, type).toBe(3);
      for (const step of latest.steps.filter((s) => s.agent)) {
        expect(step.agent!.expectedDuration, `${type} ${step.taskType}`).toBeGreaterThan(0);
        expect(step.agent!.outcomeMargin, `${type} ${step.taskType}`).toBeGreaterThan(0);
        // A lost outcome, its retry and the backoff before it fit several times in the SLA at
        // the tightest priority (URGENT halves it), so a lost callback never turns a step RED.
        const lostAndRetried = outcomeDeadline(step) + backoffBefore(step, 2);
        expect(lostAndRetried * 2, `${type} ${step.taskType}`).toBeLessThan(slaFor(step, 'URGENT'));
      }
      // Version 1 steps have none: dispatches made for them now get the default.
      for (const step of getDefinition(type, 1).steps.filter((s) => s.agent)) {
        expect(step.agent!.expectedDuration).toBeUndefined();
        expect(outcomeDeadline(step)).toBe(DEFAULT_OUTCOME_DEADLINE);
      }
    }
    const nina = getDefinition('PAYOFF', 2).steps[0]!;
    expect(outcomeDeadline(nina)).toBe(30 * 60_000);
  });

  it('count every step of the latest versions in working hours, and only those before in wall-clock time', () => {
    for (const type of WORKFLOW_TYPES) {
      for (const step of getDefinition(type, 3).steps) {
        expect(step.clock?.counts, `${type} ${step.taskType}`).toBe('BUSINESS');
        // A manager's third-party hold stops every clock; a wait stops only the clocks of
        // steps that do more than wait (the wait itself must still be able to go RED).
        expect(step.clock!.pausesWhile).toContain('THIRD_PARTY_HOLD');
        const waitPauses = step.clock!.pausesWhile.includes('INBOUND_WAIT');
        expect(waitPauses, step.taskType).toBe(
          step.awaits !== undefined && step.agent !== undefined,
        );
      }
      for (const version of [1, 2]) {
        for (const step of getDefinition(type, version).steps) expect(step.clock).toBeUndefined();
      }
    }
    // The payoff statement's wait no longer counts: one working day to read it once it is here.
    const extract = getDefinition('PAYOFF', 3).steps.find(
      (s) => s.taskType === 'extract_payoff_data',
    )!;
    expect(extract.sla).toBe(8 * 3_600_000);
    expect(extract.clock!.pausesWhile).toEqual(['INBOUND_WAIT', 'THIRD_PARTY_HOLD']);
  });

  it('shrink every duration by the time scale, and nothing else', () => {
    const v2 = getDefinition('PAYOFF', 2);
    expect(atTimeScale(v2, 1)).toBe(v2);
    const fast = atTimeScale(v2, 1 / 60);
    expect(fast.escalationReminderEvery).toBe(v2.escalationReminderEvery / 60);
    for (const [i, step] of fast.steps.entries()) {
      const original = v2.steps[i]!;
      expect(step.sla).toBe(Math.round(original.sla / 60));
      expect(step.retry.initialBackoff).toBe(Math.round(original.retry.initialBackoff / 60));
      expect(step.retry.maxBackoff).toBe(Math.round(original.retry.maxBackoff / 60));
      expect(step.retry.maxAttempts).toBe(original.retry.maxAttempts);
      expect(step.taskType).toBe(original.taskType);
      if (original.awaits) {
        expect(step.awaits!.followUpEvery).toBe(Math.round(original.awaits.followUpEvery / 60));
        expect(step.awaits!.maxFollowUps).toBe(original.awaits.maxFollowUps);
      }
      if (original.agent) {
        expect(outcomeDeadline(step)).toBe(Math.round(outcomeDeadline(original) / 60));
        expect(step.agent!.defaultAgent).toBe(original.agent.defaultAgent);
      }
    }
    // Version 1's default deadline shrinks too.
    expect(outcomeDeadline(atTimeScale(getDefinition('PAYOFF', 1), 0.5).steps[0]!)).toBe(
      DEFAULT_OUTCOME_DEADLINE / 2,
    );
    // The released definition itself is untouched.
    expect(v2.steps[0]!.sla).toBe(4 * 3600_000);
  });

  it('choose the agent by the channel an earlier step found, unless HIL overrides it', () => {
    const send = getDefinition('PAYOFF', 1).steps[1]!;
    const found = (preferredChannel: unknown) => ({
      identify_lender_contact: { preferredChannel },
    });
    expect(chooseAgent(send, found('IVR'))).toEqual({ agent: 'Max', channel: 'IVR' });
    expect(chooseAgent(send, found('PHONE'))).toEqual({ agent: 'Florian', channel: 'PHONE' });
    expect(chooseAgent(send, found('EMAIL'))).toEqual({ agent: 'Mia', channel: 'EMAIL' });
    expect(chooseAgent(send, found('CARRIER_PIGEON'))).toEqual({ agent: 'Mia', channel: 'EMAIL' });
    expect(chooseAgent(send, {})).toEqual({ agent: 'Mia', channel: 'EMAIL' });
    expect(chooseAgent(send, found('IVR'), { channel: 'PHONE' })).toEqual({
      agent: 'Florian',
      channel: 'PHONE',
    });
    expect(chooseAgent(send, found('IVR'), { agent: 'Nina' })).toEqual({
      agent: 'Nina',
      channel: 'IVR',
    });
    expect(chooseAgent(getDefinition('PAYOFF', 1).steps[0]!, {})).toEqual({ agent: 'Nina' });
  });

  it('shorten SLAs by priority, and back off longer on each retry up to the cap', () => {
    const step = getDefinition('MUNICIPAL_LIEN_SEARCH', 1).steps[1]!; // portal_access, 24 h
    expect([
      slaFor(step, 'LOW'),
      slaFor(step, 'NORMAL'),
      slaFor(step, 'HIGH'),
      slaFor(step, 'URGENT'),
    ]).toEqual([24, 24, 18, 12].map((h) => h * 3600_000));
    expect(totalSla(getDefinition('PAYOFF', 1), 'NORMAL')).toBe(90 * 3600_000);
    const agentStep = getDefinition('PAYOFF', 1).steps[0]!; // 5 min x3, capped at 1 h
    expect([2, 3, 4, 5].map((n) => backoffBefore(agentStep, n) / 60_000)).toEqual([5, 15, 45, 60]);
  });
});

/** Fingerprints of the released versions, taken when each was released. */
const RELEASED = {
  PAYOFF_1: 'e2f33557116e486b',
  PAYOFF_2: '869091bb04461d54',
  HOA_ACQUISITION_1: 'f05b3a2a749294c6',
  HOA_ACQUISITION_2: '29157b44e6fff2bf',
  MUNICIPAL_LIEN_SEARCH_1: '455f71f0a3e5f826',
  MUNICIPAL_LIEN_SEARCH_2: '6f008c238415f12e',
  PAYOFF_3: 'd37256834daf6c06',
  HOA_ACQUISITION_3: '8d8155052cd7ce20',
  MUNICIPAL_LIEN_SEARCH_3: 'e238da74ee850f5f',
};

describe('example outputs', () => {
  it('describe every task type of every released definition', () => {
    const types = new Set(
      Object.values(DEFINITIONS).flatMap((versions) =>
        Object.values(versions).flatMap((d) => d.steps.map((s) => s.taskType)),
      ),
    );
    expect([...TASK_TYPES_WITH_OUTPUTS].sort()).toEqual(
      [...types].filter((t) => t !== 'await_documents').sort(),
    );
    for (const t of TASK_TYPES_WITH_OUTPUTS) expect(exampleOutput(t)).not.toEqual({ ok: true });
  });
});
