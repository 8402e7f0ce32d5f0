import http from 'node:http';
import { z } from 'zod';
import { exampleOutput as realisticOutput } from '../../../workflows/definitions/outputs.js';

// The AI agents (Nina, Rex, Iris, ...) live outside this project. This simulator stands at
// that edge for local runs and tests: it answers each taskType with a realistic output after
// a delay, and can be told to fail, time out or ask for a human, per task type or workflow.

const BEHAVIOURS = ['ok', 'fail', 'fail-retryable', 'needs-human', 'timeout'] as const;

const ruleSchema = z.strictObject({
  taskType: z.string().min(1).optional(),
  workflowId: z.uuid().optional(),
  behaviour: z.enum(BEHAVIOURS),
  /** How many calls the rule applies to (then it is spent); every call when absent. */
  times: z.number().int().min(1).optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

const callSchema = z.looseObject({
  taskType: z.string().min(1),
  agent: z.string().min(1),
  taskExecutionId: z.uuid(),
  workflowId: z.uuid(),
  attempt: z.number().int().min(1),
});
export type AgentCall = z.infer<typeof callSchema> & { at: string; behaviour: Rule['behaviour'] };

const sendSchema = z.looseObject({
  communicationId: z.uuid(),
  workflowId: z.uuid(),
  channel: z.string().min(1),
  to: z.string().min(1),
  subject: z.string().min(1),
  body: z.string(),
  idempotencyKey: z.string().min(1),
});
export type ChannelSend = z.infer<typeof sendSchema> & { at: string; providerMessageId: string };

/** What the agent answers, in the shape of our task outcomes. */
function answer(call: z.infer<typeof callSchema>, behaviour: Rule['behaviour']) {
  switch (behaviour) {
    case 'ok':
      return { status: 'COMPLETED', output: realisticOutput(call.taskType) };
    case 'fail':
      return {
        status: 'FAILED',
        error: { message: `${call.agent} could not do ${call.taskType}`, retryable: false },
      };
    case 'fail-retryable':
      return {
        status: 'FAILED',
        error: { message: `${call.agent} hit a temporary error`, retryable: true },
      };
    case 'needs-human':
      return {
        status: 'NEEDS_HUMAN',
        reason: `${call.agent} needs a person to look at ${call.taskType}`,
      };
    case 'timeout':
      return undefined;
  }
}

export function createAgentSimulator(opts: { delayMs: number }) {
  const calls: AgentCall[] = [];
  const rules: Rule[] = [];
  /** Messages the channel connector sent, once per idempotency key (as email providers do). */
  const sends: ChannelSend[] = [];

  const ruleFor = (call: z.infer<typeof callSchema>): Rule['behaviour'] => {
    const rule = rules.find(
      (r) =>
        (!r.taskType || r.taskType === call.taskType) &&
        (!r.workflowId || r.workflowId === call.workflowId) &&
        (r.times === undefined || r.times > 0),
    );
    if (rule?.times !== undefined) rule.times--;
    return rule?.behaviour ?? 'ok';
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        send(res, 400, { error: 'body is not JSON' });
        return;
      }
      if (req.method === 'POST' && req.url === '/agents/run') {
        const call = callSchema.safeParse(body);
        if (!call.success) {
          send(res, 400, {
            error: call.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          });
          return;
        }
        const behaviour = ruleFor(call.data);
        calls.push({ ...call.data, at: new Date().toISOString(), behaviour });
        const reply = answer(call.data, behaviour);
        if (!reply) return; // 'timeout': never answers; the caller's timeout decides
        setTimeout(() => send(res, 200, reply), opts.delayMs).unref();
        return;
      }
      if (req.method === 'POST' && req.url === '/channels/send') {
        // The channel connectors' edge (email, phone): the rule for taskType
        // `send_communication` makes it fail ('fail': refused, 'fail-retryable': down).
        const msg = sendSchema.safeParse(body);
        if (!msg.success) {
          send(res, 400, {
            error: msg.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          });
          return;
        }
        const seen = sends.find((s) => s.idempotencyKey === msg.data.idempotencyKey);
        if (seen) {
          send(res, 200, { providerMessageId: seen.providerMessageId, duplicate: true });
          return;
        }
        const rule = rules.find(
          (r) =>
            r.taskType === 'send_communication' &&
            (!r.workflowId || r.workflowId === msg.data.workflowId) &&
            (r.times === undefined || r.times > 0),
        );
        if (rule && rule.behaviour !== 'ok') {
          if (rule.times !== undefined) rule.times--;
          if (rule.behaviour === 'fail')
            send(res, 422, { error: `no such mailbox: ${msg.data.to}` });
          else send(res, 503, { error: 'mail relay unavailable' });
          return;
        }
        const providerMessageId = `<${msg.data.communicationId}@mail.simulator>`;
        sends.push({ ...msg.data, at: new Date().toISOString(), providerMessageId });
        send(res, 200, { providerMessageId });
        return;
      }
      if (req.method === 'POST' && req.url === '/control/rules') {
        const rule = ruleSchema.safeParse(body);
        if (!rule.success) {
          send(res, 400, {
            error: rule.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          });
          return;
        }
        rules.unshift(rule.data);
        send(res, 201, { rules });
        return;
      }
      if (req.method === 'DELETE' && req.url === '/control/rules') {
        rules.length = 0;
        send(res, 200, { rules });
        return;
      }
      if (req.method === 'GET' && req.url === '/control/calls') {
        send(res, 200, { calls, sends });
        return;
      }
      if (req.method === 'GET' && req.url === '/health') {
        send(res, 200, { ok: true });
        return;
      }
      send(res, 404, { error: `no route ${req.method} ${req.url}` });
    });
  });

  return {
    server,
    calls,
    sends,
    rules,
    listen: (port: number, host = '127.0.0.1') =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
