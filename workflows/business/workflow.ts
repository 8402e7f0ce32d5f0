import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { AuditInput, NotificationInput } from '../../activities/database.js';
import {
  backoffBefore,
  chooseAgent,
  getDefinition,
  slaFor,
  totalSla,
  type StepDefinition,
} from '../definitions/index.js';
import {
  RexeraClientId,
  RexeraCurrentTask,
  RexeraDueAt,
  RexeraSlaLevel,
  RexeraStatus,
  RexeraWorkflowType,
} from '../search-attributes.js';
import { updateVisibility } from '../visibility.js';
import { db, n8n } from './activities.js';
import { describeIssues, invoiceOutputSchema } from './invoice.js';
import {
  documentReceivedSchema,
  documentReceivedSignal,
  documentReceivedUpdate,
  escalationResolutionSchema,
  resolveEscalationUpdate,
  statusQuery,
  taskOutcomeSchema,
  taskOutcomeSignal,
  taskOutcomeUpdate,
  type DocumentAnswer,
  type DocumentReceived,
  type EscalationResolution,
  type ResolutionAnswer,
  type TaskOutcome,
  type TaskOutcomeAnswer,
  type WorkflowStatus,
} from './messages.js';
import {
  SLA_LEVELS,
  SLA_THRESHOLDS,
  type Attempt,
  type BusinessState,
  type BusinessWorkflowInput,
  type OpenEscalation,
  type SlaLevel,
  type StepState,
} from './state.js';

export type { BusinessWorkflowInput } from './state.js';

export interface BusinessWorkflowResult {
  status: 'COMPLETED' | 'CANCELLED';
  completedSteps: string[];
  skippedSteps: string[];
}

/** Temporal workflow ID of a business workflow row: one row, one workflow, ever. */
export function businessWorkflowId(workflowRowId: string): string {
  return `workflow-${workflowRowId}`;
}

type StepResult = 'done' | 'skipped' | 'cancel' | 'continue';

const SYSTEM = { actorType: 'SYSTEM', actorId: 'rexera-workflow' } as const;

/**
 * One business workflow (a payoff request, an HOA acquisition, a lien search) from start
 * to end: its steps in order, each with its SLA ladder, retries and HIL escalations, and
 * every transition written to the business tables by activities.
 */
export async function businessWorkflow(
  input: BusinessWorkflowInput,
): Promise<BusinessWorkflowResult> {
  let definition: ReturnType<typeof getDefinition>;
  try {
    definition = getDefinition(input.workflowType, input.definitionVersion);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(errorMessage(err), 'UnknownDefinitionError');
  }
  const steps = definition.steps;
  const rowId = input.workflowRowId;
  const state: BusinessState = input.resume ?? newState();
  let ladderBusy = 0;
  let finished = false;

  function newState(): BusinessState {
    const startedAt = Date.now();
    return {
      initialized: false,
      startedAt,
      dueAt: startedAt + totalSla(definition, input.priority),
      stepIndex: 0,
      steps: steps.map((step) => ({
        status: 'PENDING',
        attempts: [newAttempt(step, 1)],
        slaRedPending: false,
        followUpsSent: 0,
      })),
      outputs: {},
      appliedOutcomes: {},
      resolvedEscalations: {},
      documents: {},
    };
  }

  function newAttempt(
    step: StepDefinition,
    attempt: number,
    override?: Attempt['override'],
  ): Attempt {
    return {
      taskExecutionId: uuid4(),
      attempt,
      executor: step.agent ? 'AI_AGENT' : 'SYSTEM',
      phase: 'PENDING',
      agent: step.agent?.defaultAgent,
      override,
    };
  }

  const current = (s: StepState): Attempt => s.attempts[s.attempts.length - 1]!;

  function findAttempt(taskExecutionId: string) {
    for (const [stepIndex, s] of state.steps.entries()) {
      const attempt = s.attempts.find((a) => a.taskExecutionId === taskExecutionId);
      if (attempt) return { stepIndex, step: steps[stepIndex]!, s, attempt };
    }
    return undefined;
  }

  function audit(
    action: string,
    resourceType: string,
    resourceId: string | undefined,
    eventData: Record<string, unknown> = {},
    actor: Pick<AuditInput, 'actorType' | 'actorId' | 'actorName'> = SYSTEM,
  ): AuditInput {
    return { id: uuid4(), ...actor, action, resourceType, resourceId, eventData, at: Date.now() };
  }

  function notification(
    kind: string,
    team: NotificationInput['team'],
    subject: string,
    body: string,
    extra: Partial<NotificationInput> = {},
  ): NotificationInput {
    return {
      id: uuid4(),
      workflowRowId: rowId,
      kind,
      team,
      subject,
      body,
      at: Date.now(),
      ...extra,
    };
  }

  // ---- what operators see -----------------------------------------------------------

  function slaLevelOf(s: StepState): SlaLevel {
    return s.sla?.reached.at(-1) ?? 'GREEN';
  }

  function publish(status?: 'COMPLETED' | 'CANCELLED') {
    const s = state.steps[state.stepIndex];
    const step = steps[state.stepIndex];
    const businessStatus = status ?? (state.escalation ? 'BLOCKED' : 'IN_PROGRESS');
    updateVisibility([
      { key: RexeraStatus, value: businessStatus },
      { key: RexeraCurrentTask, value: status || !step ? null : step.taskType },
      { key: RexeraSlaLevel, value: status || !s ? null : slaLevelOf(s) },
    ]);
    const lines = [
      `**${input.workflowType}** · ${businessStatus}`,
      step && !status
        ? `step ${state.stepIndex + 1}/${steps.length}: ${step.taskType} (attempt ${current(s!).attempt}, SLA ${slaLevelOf(s!)})`
        : '',
      state.escalation
        ? `escalation open: ${state.escalation.trigger} – ${state.escalation.reason}`
        : '',
    ];
    setCurrentDetails(lines.filter(Boolean).join('\n\n'));
  }

  function status(): WorkflowStatus {
    const s = state.steps[state.stepIndex];
    return {
      workflowId: rowId,
      workflowType: input.workflowType,
      status: finished
        ? state.steps.every((x) => x.status === 'COMPLETED' || x.status === 'SKIPPED')
          ? 'COMPLETED'
          : 'CANCELLED'
        : state.escalation
          ? 'BLOCKED'
          : 'IN_PROGRESS',
      currentStep:
        s && !finished
          ? {
              stepIndex: state.stepIndex,
              taskType: steps[state.stepIndex]!.taskType,
              attempt: current(s).attempt,
            }
          : undefined,
      steps: state.steps.map((x, i) => ({
        stepIndex: i,
        taskType: steps[i]!.taskType,
        status: x.status,
        attempt: current(x).attempt,
        taskExecutionId: current(x).taskExecutionId,
        agent: current(x).agent,
        slaLevel: x.sla ? slaLevelOf(x) : undefined,
      })),
      openEscalation: state.escalation && {
        escalationId: state.escalation.id,
        taskExecutionId: state.escalation.taskExecutionId,
        trigger: state.escalation.trigger,
        reason: state.escalation.reason,
      },
      dueAt: new Date(state.dueAt).toISOString(),
    };
  }

  // ---- messages: handlers only record; the main flow acts ----------------------------

  function classifyOutcome(outcome: TaskOutcome): TaskOutcomeAnswer {
    const id = outcome.taskExecutionId;
    const previous = state.appliedOutcomes[id];
    if (previous !== undefined) {
      return previous === JSON.stringify(outcome)
        ? { result: 'duplicate', taskExecutionId: id, message: 'This outcome was already applied.' }
        : {
            result: 'stale',
            taskExecutionId: id,
            message: 'This task execution already has a different outcome.',
          };
    }
    const found = findAttempt(id)!;
    const isCurrent = found.stepIndex === state.stepIndex && current(found.s) === found.attempt;
    if (!isCurrent || found.attempt.phase !== 'RUNNING' || state.pendingOutcome) {
      const why =
        found.attempt.phase === 'DONE' || !isCurrent
          ? 'an older attempt or a finished task'
          : 'a task that is not waiting for an agent';
      return {
        result: 'stale',
        taskExecutionId: id,
        message: `Outcome ignored: it is for ${why}.`,
      };
    }
    state.appliedOutcomes[id] = JSON.stringify(outcome);
    state.pendingOutcome = outcome;
    return {
      result: 'applied',
      taskExecutionId: id,
      message: `Outcome ${outcome.status} applied.`,
    };
  }

  function validateOutcome(raw: unknown): TaskOutcome {
    const parsed = taskOutcomeSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`Malformed task outcome: ${describeIssues(parsed.error)}`);
    const outcome = parsed.data;
    const found = findAttempt(outcome.taskExecutionId);
    if (!found)
      throw new Error(`Unknown task execution ${outcome.taskExecutionId} in this workflow.`);
    if (found.attempt.attempt !== outcome.attempt) {
      throw new Error(
        `Task execution ${outcome.taskExecutionId} is attempt ${found.attempt.attempt}, not ${outcome.attempt}.`,
      );
    }
    if (outcome.status === 'COMPLETED' && found.step.taskType === 'generate_invoice') {
      const invoice = invoiceOutputSchema.safeParse(outcome.output);
      if (!invoice.success)
        throw new Error(`Invalid invoice output: ${describeIssues(invoice.error)}`);
    }
    return outcome;
  }

  setHandler(taskOutcomeUpdate, (raw) => classifyOutcome(taskOutcomeSchema.parse(raw)), {
    validator: (raw) => void validateOutcome(raw),
  });
  setHandler(taskOutcomeSignal, (raw) => {
    try {
      const answer = classifyOutcome(validateOutcome(raw));
      log.info('task outcome by signal', { ...answer });
    } catch (err) {
      log.warn('task outcome signal dropped', { error: String(err) });
    }
  });

  function validateResolution(raw: unknown): EscalationResolution {
    const parsed = escalationResolutionSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`Malformed resolution: ${describeIssues(parsed.error)}`);
    const r = parsed.data;
    const done = state.resolvedEscalations[r.escalationId];
    if (done) {
      if (done.action === r.action && done.userId === r.userId) return r;
      throw new Error(`Escalation ${r.escalationId} was already resolved with ${done.action}.`);
    }
    const open = state.escalation;
    if (open?.id === r.escalationId && open.resolution) {
      if (open.resolution.action === r.action && open.resolution.userId === r.userId) return r;
      throw new Error(
        `Escalation ${r.escalationId} is already being resolved with ${open.resolution.action}.`,
      );
    }
    if (!open || open.id !== r.escalationId) {
      throw new Error(`Escalation ${r.escalationId} is not open in this workflow.`);
    }
    const step = steps[open.stepIndex]!;
    if (r.action === 'RETRY' && (r.agent || r.channel) && !step.agent) {
      throw new Error(`${step.taskType} calls no agent: RETRY cannot choose an agent or channel.`);
    }
    if (r.action === 'COMPLETE' && step.taskType === 'generate_invoice') {
      const invoice = invoiceOutputSchema.safeParse(r.output);
      if (!invoice.success)
        throw new Error(`Invalid invoice output: ${describeIssues(invoice.error)}`);
    }
    return r;
  }

  setHandler(
    resolveEscalationUpdate,
    (raw): ResolutionAnswer => {
      const r = escalationResolutionSchema.parse(raw);
      if (state.resolvedEscalations[r.escalationId] || state.escalation?.resolution) {
        return {
          result: 'duplicate',
          escalationId: r.escalationId,
          message: 'Already resolved this way.',
        };
      }
      state.escalation!.resolution = r;
      return { result: 'applied', escalationId: r.escalationId, message: `${r.action} accepted.` };
    },
    { validator: (raw) => void validateResolution(raw) },
  );

  function validateDocument(raw: unknown): DocumentReceived {
    const parsed = documentReceivedSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`Malformed document: ${describeIssues(parsed.error)}`);
    if (!steps.some((s) => s.awaits?.kind === parsed.data.kind)) {
      throw new Error(`A ${input.workflowType} workflow does not wait for ${parsed.data.kind}.`);
    }
    return parsed.data;
  }

  function receiveDocument(doc: DocumentReceived): DocumentAnswer {
    if (state.documents[doc.documentId]) {
      return {
        result: 'duplicate',
        documentId: doc.documentId,
        message: 'Document already received.',
      };
    }
    state.documents[doc.documentId] = {
      ...doc,
      receivedAt: Date.now(),
      recorded: false,
      auditId: uuid4(),
    };
    return { result: 'applied', documentId: doc.documentId, message: 'Document received.' };
  }

  setHandler(documentReceivedUpdate, (raw) => receiveDocument(documentReceivedSchema.parse(raw)), {
    validator: (raw) => void validateDocument(raw),
  });
  setHandler(documentReceivedSignal, (raw) => {
    try {
      receiveDocument(validateDocument(raw));
    } catch (err) {
      log.warn('document signal dropped', { error: String(err) });
    }
  });

  setHandler(statusQuery, status);

  // ---- documents are written as they arrive, whatever the main flow is doing ----------

  const unrecorded = () => Object.values(state.documents).filter((d) => !d.recorded);
  // Not cancellable: on a Temporal cancel it still writes what arrived, then ends with the workflow.
  const recorder = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => finished || unrecorded().length > 0);
      const doc = unrecorded()[0];
      if (!doc) return;
      const waitingStep = steps.findIndex((s) => s.awaits?.kind === doc.kind);
      await db.recordDocument({
        id: doc.documentId,
        workflowRowId: rowId,
        taskExecutionId: current(state.steps[waitingStep]!).taskExecutionId,
        filename: doc.filename,
        storageUrl: doc.storageUrl,
        mimeType: doc.mimeType,
        fileSizeBytes: doc.fileSizeBytes,
        source: doc.source,
        metadata: { ...doc.metadata, kind: doc.kind },
        at: doc.receivedAt,
        audit: {
          ...audit('document.received', 'document', doc.documentId, {
            kind: doc.kind,
            filename: doc.filename,
          }),
          id: doc.auditId,
          at: doc.receivedAt,
        },
      });
      doc.recorded = true;
    }
  });

  const documentsOf = (kind: string) =>
    Object.values(state.documents)
      .filter((d) => d.kind === kind)
      .map(({ documentId, filename, storageUrl, mimeType, source, metadata }) => ({
        documentId,
        filename,
        storageUrl,
        mimeType,
        source,
        metadata,
      }));

  // ---- continue-as-new ---------------------------------------------------------------

  async function maybeContinueAsNew(): Promise<void> {
    const info = workflowInfo();
    const limit = input.maxHistoryEvents;
    if (!info.continueAsNewSuggested && !(limit !== undefined && info.historyLength >= limit))
      return;
    await condition(() => ladderBusy === 0 && unrecorded().length === 0 && allHandlersFinished());
    log.info('continuing as new', { historyLength: info.historyLength, step: state.stepIndex });
    await continueAsNew<typeof businessWorkflow>({ ...input, resume: state });
  }

  // ---- the SLA ladder ----------------------------------------------------------------

  function openSlaClock(i: number) {
    const s = state.steps[i]!;
    if (s.sla) return;
    const startedAt = Date.now();
    const ids = Object.fromEntries(
      SLA_LEVELS.map((l) => [l, { audit: uuid4(), notification: uuid4() }]),
    ) as NonNullable<StepState['sla']>['ids'];
    s.sla = {
      slaId: uuid4(),
      startedAt,
      dueAt: startedAt + slaFor(steps[i]!, input.priority),
      reached: [],
      ids,
    };
  }

  /** Runs the step's remaining levels on durable timers until cancelled (the step ended). */
  function runLadder(i: number): { stop: () => Promise<void> } {
    const s = state.steps[i]!;
    const step = steps[i]!;
    const clock = s.sla!;
    const scope = new CancellationScope();
    const running = scope.run(async () => {
      for (const level of SLA_LEVELS) {
        if (clock.reached.includes(level)) continue;
        const at =
          clock.startedAt + Math.round((clock.dueAt - clock.startedAt) * SLA_THRESHOLDS[level]);
        if (at > Date.now()) await sleep(at - Date.now());
        ladderBusy++;
        try {
          const taskExecutionId = s.attempts[0]!.taskExecutionId;
          const pct = Math.round(SLA_THRESHOLDS[level] * 100);
          const notify =
            level === 'ORANGE'
              ? notification(
                  'SLA_ALERT',
                  'HIL',
                  `SLA ORANGE: ${step.taskType}`,
                  `${step.title} has used ${pct}% of its SLA.`,
                  { taskExecutionId, slaLevel: level },
                )
              : level === 'BREACHED'
                ? notification(
                    'MANAGER_NOTICE',
                    'MANAGERS',
                    `SLA BREACHED: ${step.taskType}`,
                    `${step.title} missed its SLA (due ${new Date(clock.dueAt).toISOString()}).`,
                    { taskExecutionId, slaLevel: level },
                  )
                : undefined;
          await CancellationScope.nonCancellable(() =>
            db.recordSlaLevel({
              slaId: clock.slaId,
              workflowRowId: rowId,
              level,
              reachedAt: at,
              notification: notify && { ...notify, id: clock.ids[level].notification, at },
              audit: {
                ...audit('sla.level_reached', 'sla_tracking', clock.slaId, {
                  level,
                  taskType: step.taskType,
                  percent: pct,
                }),
                id: clock.ids[level].audit,
                at,
              },
            }),
          );
          clock.reached.push(level);
          if (level === 'RED' && !state.escalation) s.slaRedPending = true;
          publish();
        } finally {
          ladderBusy--;
        }
      }
    });
    // Marked handled at once: a cancelled ladder must never count as an unhandled rejection.
    running.catch(() => undefined);
    return {
      stop: async () => {
        scope.cancel();
        await running.catch((err: unknown) => {
          if (!isCancellation(err)) throw err;
        });
      },
    };
  }

  // ---- one step ----------------------------------------------------------------------

  async function runStep(i: number): Promise<'done' | 'skipped' | 'cancel'> {
    const s = state.steps[i]!;
    const step = steps[i]!;
    let ladder = s.sla ? runLadder(i) : undefined;
    try {
      for (;;) {
        let result: StepResult;
        const a = current(s);
        if (state.escalation) result = await escalated(i);
        else if (a.phase === 'PENDING') {
          if (!s.sla) {
            openSlaClock(i);
            ladder = runLadder(i);
          }
          result = await begin(i, a);
        } else if (a.phase === 'WAITING') result = await waiting(i, a);
        else if (a.phase === 'RUNNING') result = await running(i, a);
        else result = escalate(i, 'RETRIES_EXHAUSTED', 'The last attempt ended without a result.');
        publish();
        if (result === 'continue') continue;
        // The write that ended the step (finishAttempt or createAttempt) stopped its SLA clock.
        if (result !== 'cancel') s.status = result === 'done' ? 'COMPLETED' : 'SKIPPED';
        log.info('step ended', { step: step.taskType, result });
        return result;
      }
    } finally {
      await ladder?.stop();
    }
  }

  /** Starts the current attempt: a wait for an inbound event, or the agent call. */
  async function begin(i: number, a: Attempt): Promise<StepResult> {
    const step = steps[i]!;
    const s = state.steps[i]!;
    if (step.awaits && (!step.agent || documentsOf(step.awaits.kind).length === 0)) {
      await db.startAttempt({
        taskExecutionId: a.taskExecutionId,
        workflowRowId: rowId,
        status: 'WAITING',
        startedAt: Date.now(),
        inputData: { waitingFor: step.awaits.kind },
        sla: slaRow(s, a),
        audit: audit('task.waiting', 'task_execution', a.taskExecutionId, {
          taskType: step.taskType,
          waitingFor: step.awaits.kind,
        }),
      });
      a.phase = 'WAITING';
      s.status = 'WAITING';
      s.nextFollowUpAt ??= Date.now() + step.awaits.followUpEvery;
      return 'continue';
    }
    return dispatch(i, a);
  }

  function slaRow(s: StepState, a: Attempt) {
    const clock = s.sla!;
    return a === s.attempts[0]
      ? {
          id: clock.slaId,
          slaSeconds: Math.round((clock.dueAt - clock.startedAt) / 1000),
          startedAt: clock.startedAt,
          dueAt: clock.dueAt,
        }
      : undefined;
  }

  async function dispatch(i: number, a: Attempt): Promise<StepResult> {
    const step = steps[i]!;
    const s = state.steps[i]!;
    const { agent, channel } = chooseAgent(step, state.outputs, a.override);
    const taskInput = {
      workflow: {
        id: rowId,
        type: input.workflowType,
        priority: input.priority,
        metadata: input.metadata,
      },
      previousOutputs: Object.fromEntries(
        step.inputsFrom.map((t) => [t, state.outputs[t] ?? null]),
      ),
      ...(step.awaits ? { documents: documentsOf(step.awaits.kind) } : {}),
      ...(a.override?.note ? { instructions: a.override.note } : {}),
    };
    await db.startAttempt({
      taskExecutionId: a.taskExecutionId,
      workflowRowId: rowId,
      status: 'RUNNING',
      startedAt: Date.now(),
      agentName: agent,
      channel,
      inputData: taskInput,
      sla: slaRow(s, a),
      audit: audit('task.started', 'task_execution', a.taskExecutionId, {
        taskType: step.taskType,
        agent,
        channel,
        attempt: a.attempt,
      }),
    });
    a.agent = agent;
    a.channel = channel;
    a.phase = 'RUNNING';
    s.status = 'RUNNING';
    publish();
    try {
      await n8n.dispatchTask({
        taskExecutionId: a.taskExecutionId,
        workflowId: rowId,
        temporalWorkflowId: workflowInfo().workflowId,
        taskType: step.taskType,
        agent,
        channel,
        attempt: a.attempt,
        input: taskInput,
        idempotencyKey: a.taskExecutionId,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The dispatch failed for good (4xx, or n8n unreachable for an hour): a failed attempt.
      if (state.pendingOutcome?.taskExecutionId === a.taskExecutionId) return 'continue';
      state.pendingOutcome = {
        taskExecutionId: a.taskExecutionId,
        attempt: a.attempt,
        status: 'FAILED',
        error: {
          message: `Dispatch to n8n failed: ${errorMessage(err)}`,
          retryable: false,
          code: 'DISPATCH_FAILED',
        },
      };
    }
    return 'continue';
  }

  /** Waits for the inbound event, following up on schedule; escalates when the SLA goes RED. */
  async function waiting(i: number, a: Attempt): Promise<StepResult> {
    const step = steps[i]!;
    const s = state.steps[i]!;
    const kind = step.awaits!.kind;
    for (;;) {
      if (documentsOf(kind).length > 0) {
        if (step.agent) return dispatch(i, a);
        await finish(i, a, 'COMPLETED', { documents: documentsOf(kind) });
        return 'done';
      }
      if (s.slaRedPending) {
        return escalate(i, 'SLA_RED', `${step.title}: no ${kind} after 95% of the SLA.`);
      }
      const followUpsLeft = s.followUpsSent < step.awaits!.maxFollowUps;
      const wait = followUpsLeft ? Math.max(0, s.nextFollowUpAt! - Date.now()) : undefined;
      const woke = await condition(
        () => documentsOf(kind).length > 0 || s.slaRedPending,
        wait as number,
      );
      if (!woke && followUpsLeft) {
        s.followUpsSent++;
        await db.recordFollowUp({
          id: uuid4(),
          workflowRowId: rowId,
          taskExecutionId: a.taskExecutionId,
          channel: step.awaits!.followUpChannel,
          number: s.followUpsSent,
          subject: `Follow-up ${s.followUpsSent}: ${kind.replace('_', ' ').toLowerCase()} request`,
          body: `Following up on our request for ${kind} (${JSON.stringify(input.metadata)}).`,
          at: Date.now(),
          audit: audit('followup.sent', 'task_execution', a.taskExecutionId, {
            number: s.followUpsSent,
            kind,
          }),
        });
        s.nextFollowUpAt = s.nextFollowUpAt! + step.awaits!.followUpEvery;
        await maybeContinueAsNew();
      }
    }
  }

  /** Waits for the agent's outcome; escalates when the SLA goes RED first. */
  async function running(i: number, a: Attempt): Promise<StepResult> {
    const s = state.steps[i]!;
    const step = steps[i]!;
    await condition(() => outcomeFor(a) !== undefined || s.slaRedPending);
    const outcome = takeOutcome(a);
    if (!outcome)
      return escalate(
        i,
        'SLA_RED',
        `${step.title}: no result from ${a.agent} after 95% of the SLA.`,
      );
    return applyOutcome(i, a, outcome);
  }

  const outcomeFor = (a: Attempt) =>
    state.pendingOutcome?.taskExecutionId === a.taskExecutionId ? state.pendingOutcome : undefined;

  function takeOutcome(a: Attempt): TaskOutcome | undefined {
    const outcome = outcomeFor(a);
    if (outcome) state.pendingOutcome = undefined;
    return outcome;
  }

  async function applyOutcome(i: number, a: Attempt, outcome: TaskOutcome): Promise<StepResult> {
    const step = steps[i]!;
    const s = state.steps[i]!;
    const agentActor = {
      actorType: 'AGENT',
      actorId: a.agent ?? 'unknown',
      actorName: a.agent,
    } as const;
    if (outcome.status === 'COMPLETED') {
      await finish(i, a, 'COMPLETED', outcome.output, agentActor);
      return 'done';
    }
    if (outcome.status === 'NEEDS_HUMAN') {
      await finish(i, a, 'FAILED', undefined, agentActor, {
        message: `Agent asked for a human: ${outcome.reason}`,
        retryable: false,
      });
      return escalate(i, 'AGENT_NEEDS_HUMAN', outcome.reason);
    }
    await finish(i, a, 'FAILED', undefined, agentActor, outcome.error);
    if (!outcome.error.retryable) {
      return escalate(i, 'NON_RETRYABLE_FAILURE', outcome.error.message);
    }
    if (a.attempt >= step.retry.maxAttempts) {
      return escalate(
        i,
        'RETRIES_EXHAUSTED',
        `${a.attempt} attempts failed; last: ${outcome.error.message}`,
      );
    }
    // Durable backoff; the SLA ladder keeps running and may escalate first.
    const redFirst = await condition(() => s.slaRedPending, backoffBefore(step, a.attempt + 1));
    if (redFirst) return escalate(i, 'SLA_RED', `${step.title}: SLA at 95% while retrying.`);
    await addAttempt(i);
    return 'continue';
  }

  async function addAttempt(i: number, override?: Attempt['override']): Promise<Attempt> {
    const step = steps[i]!;
    const s = state.steps[i]!;
    const next = newAttempt(step, current(s).attempt + 1, override);
    await db.createAttempt({
      task: taskRow(i, next),
      audit: audit('task.retry_scheduled', 'task_execution', next.taskExecutionId, {
        taskType: step.taskType,
        attempt: next.attempt,
        ...override,
      }),
    });
    s.attempts.push(next);
    return next;
  }

  function taskRow(i: number, a: Attempt) {
    const step = steps[i]!;
    return {
      id: a.taskExecutionId,
      workflowRowId: rowId,
      stepIndex: i,
      attempt: a.attempt,
      taskType: step.taskType,
      title: step.title,
      description: step.description,
      executorType: a.executor,
      agentName: a.executor === 'AI_AGENT' ? (a.override?.agent ?? a.agent) : undefined,
      slaSeconds: Math.round(slaFor(step, input.priority) / 1000),
    };
  }

  async function finish(
    i: number,
    a: Attempt,
    status: 'COMPLETED' | 'FAILED' | 'CANCELLED',
    output?: Record<string, unknown>,
    actor: Pick<AuditInput, 'actorType' | 'actorId' | 'actorName'> = SYSTEM,
    error?: { message: string; retryable: boolean },
  ) {
    const step = steps[i]!;
    await db.finishAttempt({
      taskExecutionId: a.taskExecutionId,
      workflowRowId: rowId,
      status,
      completedAt: Date.now(),
      outputData: output,
      errorMessage: error?.message,
      errorRetryable: error?.retryable,
      closeSlaId: status === 'COMPLETED' ? state.steps[i]!.sla?.slaId : undefined,
      audit: audit(
        `task.${status.toLowerCase()}`,
        'task_execution',
        a.taskExecutionId,
        { taskType: step.taskType, attempt: a.attempt, ...(error ? { error: error.message } : {}) },
        actor,
      ),
    });
    a.phase = 'DONE';
    if (status === 'COMPLETED' && output) await recordOutput(i, a.taskExecutionId, output);
  }

  async function recordOutput(i: number, taskExecutionId: string, output: Record<string, unknown>) {
    const step = steps[i]!;
    state.outputs[step.taskType] = output;
    if (step.taskType !== 'generate_invoice') return;
    const invoice = invoiceOutputSchema.parse(output);
    const invoiceId = uuid4();
    await db.createInvoice({
      id: invoiceId,
      workflowRowId: rowId,
      taskExecutionId,
      invoiceNumber: `INV-${invoiceId.slice(0, 8).toUpperCase()}`,
      currency: invoice.currency,
      tax: invoice.tax,
      dueDate: invoice.dueDate,
      lines: invoice.lines.map((l) => ({
        id: uuid4(),
        description: l.description,
        category: l.category,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
      })),
      at: Date.now(),
      audit: audit('invoice.issued', 'invoice', invoiceId, { lines: invoice.lines.length }),
    });
  }

  // ---- escalations -------------------------------------------------------------------

  function escalate(i: number, trigger: OpenEscalation['trigger'], reason: string): StepResult {
    const s = state.steps[i]!;
    s.slaRedPending = false;
    state.escalation = {
      id: uuid4(),
      stepIndex: i,
      taskExecutionId: current(s).taskExecutionId,
      trigger,
      reason,
      openedAt: Date.now(),
      remindersSent: 0,
      opened: false,
    };
    return 'continue';
  }

  /** Waits for HIL staff, reminding them on schedule; an agent's late result still counts. */
  async function escalated(i: number): Promise<StepResult> {
    const step = steps[i]!;
    const s = state.steps[i]!;
    const esc = state.escalation!;
    if (!esc.opened) {
      await db.openEscalation({
        id: esc.id,
        workflowRowId: rowId,
        taskExecutionId: esc.taskExecutionId,
        trigger: esc.trigger,
        reason: esc.reason,
        slaLevel: slaLevelOf(s),
        at: esc.openedAt,
        notification: notification(
          'ESCALATION_OPENED',
          'HIL',
          `Escalation: ${step.taskType} (${esc.trigger})`,
          esc.reason,
          { taskExecutionId: esc.taskExecutionId },
        ),
        audit: audit('escalation.opened', 'escalation', esc.id, {
          trigger: esc.trigger,
          reason: esc.reason,
          taskType: step.taskType,
        }),
      });
      esc.opened = true;
      s.status = 'ESCALATED';
      publish();
    }
    s.slaRedPending = false;
    const every = definition.escalationReminderEvery;
    for (;;) {
      const a = current(s);
      const kind = step.awaits?.kind;
      const docsArrived = () =>
        a.phase === 'WAITING' && kind !== undefined && documentsOf(kind).length > 0;
      const nextReminder = esc.openedAt + (esc.remindersSent + 1) * every;
      const woke = await condition(
        () => esc.resolution !== undefined || outcomeFor(a) !== undefined || docsArrived(),
        Math.max(0, nextReminder - Date.now()),
      );
      if (esc.resolution) return resolve(i, esc, esc.resolution);
      const outcome = takeOutcome(a);
      if (outcome?.status === 'COMPLETED' || docsArrived()) {
        // The work got done after all: the escalation no longer applies.
        await closeEscalation(esc, 'CANCELLED', SYSTEM, {
          note: 'Superseded: the step went on without HIL.',
        });
        s.status = a.phase === 'WAITING' ? 'WAITING' : 'RUNNING';
        return outcome ? applyOutcome(i, a, outcome) : 'continue';
      }
      if (outcome) {
        const failure =
          outcome.status === 'FAILED'
            ? outcome.error
            : { message: `Agent asked for a human: ${outcome.reason}`, retryable: false };
        await finish(
          i,
          a,
          'FAILED',
          undefined,
          { actorType: 'AGENT', actorId: a.agent ?? 'unknown', actorName: a.agent },
          failure,
        );
        continue;
      }
      if (!woke) {
        esc.remindersSent++;
        await db.remindEscalation({
          escalationId: esc.id,
          workflowRowId: rowId,
          notification: notification(
            'ESCALATION_REMINDER',
            'HIL',
            `Reminder ${esc.remindersSent}: escalation on ${step.taskType}`,
            esc.reason,
            { taskExecutionId: esc.taskExecutionId },
          ),
          audit: audit('escalation.reminded', 'escalation', esc.id, {
            reminder: esc.remindersSent,
          }),
        });
        await maybeContinueAsNew();
      }
    }
  }

  async function closeEscalation(
    esc: OpenEscalation,
    closeStatus: 'RESOLVED' | 'CANCELLED',
    actor: Pick<AuditInput, 'actorType' | 'actorId' | 'actorName'>,
    details: {
      action?: EscalationResolution['action'];
      note?: string;
      data?: Record<string, unknown>;
      resolvedBy?: string;
    },
  ) {
    await db.closeEscalation({
      escalationId: esc.id,
      workflowRowId: rowId,
      status: closeStatus,
      action: details.action,
      resolvedBy: details.resolvedBy,
      note: details.note,
      data: details.data,
      at: Date.now(),
      audit: audit(
        closeStatus === 'RESOLVED' ? 'escalation.resolved' : 'escalation.cancelled',
        'escalation',
        esc.id,
        { action: details.action, note: details.note },
        actor,
      ),
    });
    if (details.action && details.resolvedBy) {
      state.resolvedEscalations[esc.id] = { action: details.action, userId: details.resolvedBy };
    }
    state.escalation = undefined;
  }

  async function resolve(
    i: number,
    esc: OpenEscalation,
    r: EscalationResolution,
  ): Promise<StepResult> {
    const s = state.steps[i]!;
    const human = { actorType: 'HUMAN', actorId: r.userId } as const;
    const a = current(s);
    if (a.phase !== 'DONE') await finish(i, a, 'CANCELLED', undefined, human);
    const { escalationId: _id, userId, action, note, ...data } = r;
    await closeEscalation(esc, 'RESOLVED', human, { action, note, data, resolvedBy: userId });
    switch (r.action) {
      case 'RETRY':
        await addAttempt(i, { agent: r.agent, channel: r.channel, note: r.note });
        s.status = 'RUNNING';
        return 'continue';
      case 'COMPLETE':
      case 'SKIP': {
        const step = steps[i]!;
        const done: Attempt = {
          ...newAttempt(step, a.attempt + 1),
          executor: 'HIL',
          phase: 'DONE',
          agent: undefined,
        };
        const now = Date.now();
        await db.createAttempt({
          task: {
            ...taskRow(i, done),
            status: r.action === 'COMPLETE' ? 'COMPLETED' : 'SKIPPED',
            executedBy: userId,
            outputData: r.action === 'COMPLETE' ? r.output : undefined,
            startedAt: now,
            completedAt: now,
          },
          closeSlaId: s.sla?.slaId,
          audit: audit(
            r.action === 'COMPLETE' ? 'task.completed_by_human' : 'task.skipped',
            'task_execution',
            done.taskExecutionId,
            { taskType: step.taskType, note },
            human,
          ),
        });
        s.attempts.push(done);
        if (r.action === 'SKIP') return 'skipped';
        await recordOutput(i, done.taskExecutionId, r.output);
        return 'done';
      }
      case 'CANCEL_WORKFLOW':
        return 'cancel';
    }
  }

  // ---- the workflow --------------------------------------------------------------------

  async function close(
    final: 'COMPLETED' | 'CANCELLED',
    actor = SYSTEM as Pick<AuditInput, 'actorType' | 'actorId' | 'actorName'>,
  ): Promise<BusinessWorkflowResult> {
    finished = true;
    await recorder;
    await db.closeWorkflow({
      workflowRowId: rowId,
      status: final,
      completedAt: Date.now(),
      audit: audit(`workflow.${final.toLowerCase()}`, 'workflow', rowId, {}, actor),
    });
    for (const s of state.steps) {
      if (s.status !== 'COMPLETED' && s.status !== 'SKIPPED') s.status = 'CANCELLED';
    }
    publish(final);
    return {
      status: final,
      completedSteps: steps
        .filter((_, i) => state.steps[i]!.status === 'COMPLETED')
        .map((s) => s.taskType),
      skippedSteps: steps
        .filter((_, i) => state.steps[i]!.status === 'SKIPPED')
        .map((s) => s.taskType),
    };
  }

  try {
    if (!state.initialized) {
      await db.initializeWorkflow({
        workflowRowId: rowId,
        temporalWorkflowId: workflowInfo().workflowId,
        startedAt: state.startedAt,
        dueAt: state.dueAt,
        tasks: state.steps.map((s, i) => taskRow(i, s.attempts[0]!)),
        audit: audit('workflow.started', 'workflow', rowId, {
          type: input.workflowType,
          version: input.definitionVersion,
          priority: input.priority,
        }),
      });
      state.initialized = true;
      updateVisibility([
        { key: RexeraWorkflowType, value: input.workflowType },
        { key: RexeraClientId, value: input.clientId },
        { key: RexeraDueAt, value: new Date(state.dueAt) },
      ]);
    }
    publish();
    while (state.stepIndex < steps.length) {
      const result = await runStep(state.stepIndex);
      if (result === 'cancel') {
        const by = state.resolvedEscalations;
        const last = Object.values(by).at(-1);
        return await close(
          'CANCELLED',
          last ? { actorType: 'HUMAN', actorId: last.userId } : SYSTEM,
        );
      }
      state.stepIndex++;
      publish();
      await maybeContinueAsNew();
    }
    return await close('COMPLETED');
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from Temporal: close the rows too, then end as cancelled.
      await CancellationScope.nonCancellable(() => close('CANCELLED'));
      throw err;
    }
    // Activity failures fail the workflow; anything else is a bug, and its workflow task is
    // retried until a fixed deploy resumes it. Continue-as-new passes through too.
    throw err;
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
