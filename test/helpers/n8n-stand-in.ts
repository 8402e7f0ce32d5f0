import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { CommunicationRequest, DispatchRequest } from '../../activities/n8n.js';
import { deliverTaskOutcome, type DeliveryAnswer } from '../../src/clients/business-workflows.js';
import {
  documentReceivedUpdate,
  type DocumentReceived,
} from '../../workflows/business/messages.js';
import { getFreePort } from '../../src/dev/ports.js';
import { exampleOutput as realisticOutput } from '../../workflows/definitions/outputs.js';
import { signedHeaders } from './api.js';

export { realisticOutput };

export type Dispatch = DispatchRequest & { callbackUrl: string };

/** What the scripted "agent" does with one dispatch. */
export type Reply =
  | { status: 'COMPLETED'; output: Record<string, unknown> }
  | { status: 'FAILED'; error: { message: string; retryable: boolean } }
  | { status: 'NEEDS_HUMAN'; reason: string }
  /** Never answers: the attempt is lost at its deadline (the SLA ladder runs meanwhile). */
  | { status: 'SILENT' }
  /** n8n itself answers the dispatch with this HTTP status and reports nothing. */
  | { status: 'HTTP'; code: number };

export interface ScriptContext {
  dispatch: Dispatch;
  /** How many times this taskType was dispatched in this workflow, this one included. */
  count: number;
  /** Sends an inbound document to the workflow (the HOA or the lender answering). */
  sendDocument(doc: Omit<DocumentReceived, 'documentId'> & { documentId?: string }): Promise<void>;
}

export type Script = (ctx: ScriptContext) => Reply | Promise<Reply>;

/** How the stand-in's channel connector answers an outbound message: an HTTP status. */
export type ChannelScript = (msg: CommunicationRequest, count: number) => number;

export const completeAll: Script = ({ dispatch }) => ({
  status: 'COMPLETED',
  output: realisticOutput(dispatch.taskType),
});

/** What the counterparty sends back when it is asked: the lender's statement, the HOA's documents. */
export const COUNTERPARTY_DOCUMENTS: Record<string, Omit<DocumentReceived, 'documentId'>> = {
  send_payoff_request: {
    kind: 'PAYOFF_STATEMENT',
    filename: 'payoff-statement.pdf',
    storageUrl: 's3://docs/payoff-statement.pdf',
    mimeType: 'application/pdf',
    fileSizeBytes: 48213,
    source: 'LENDER',
  },
  send_request: {
    kind: 'HOA_DOCUMENTS',
    filename: 'hoa-bundle.pdf',
    storageUrl: 's3://docs/hoa-bundle.pdf',
    mimeType: 'application/pdf',
    source: 'HOA',
  },
};

/** The counterparty answers while the request is being sent (documents may arrive early). */
/** `script`, after the counterparty sent the documents the step waits for (if it waits). */
export const withCounterparty =
  (script: Script): Script =>
  async (ctx) => {
    await counterpartyAnswers(ctx);
    return script(ctx);
  };

/** `script` for one task type's dispatches; the other steps complete. */
export const forTask =
  (taskType: string, script: Script): Script =>
  (ctx) =>
    ctx.dispatch.taskType === taskType ? script(ctx) : completeAll(ctx);

export async function counterpartyAnswers(ctx: ScriptContext): Promise<void> {
  const doc = COUNTERPARTY_DOCUMENTS[ctx.dispatch.taskType];
  if (doc) await ctx.sendDocument(doc);
}

/**
 * A scripted stand-in for n8n: an HTTP server that takes the worker's dispatches and
 * answers each through the real Update path, before acknowledging the dispatch (so that
 * time-skipping tests never see a gap in which time could jump).
 */
export async function startN8nStandIn(
  client: Client,
  script: Script = completeAll,
  opts: { api?: { url: string; secret: string } } = {},
) {
  const dispatches: Dispatch[] = [];
  const answers: (DeliveryAnswer | { status: number; body: unknown })[] = [];
  /** Posts a callback to the API, signed as n8n signs it. */
  const postSigned = async (path: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    const res = await fetch(`${opts.api!.url}${path}`, {
      method: 'POST',
      headers: signedHeaders(body, undefined, opts.api!.secret),
      body,
    });
    return { status: res.status, body: await res.json() };
  };
  const counts = new Map<string, number>();
  let current = script;
  /** Outbound messages n8n was asked to send (every request, repeats included). */
  const sends: CommunicationRequest[] = [];
  let channel: ChannelScript = () => 200;

  const answerCommunication = (raw: string, res: http.ServerResponse) => {
    const msg = JSON.parse(raw) as CommunicationRequest;
    sends.push(msg);
    const code = channel(msg, sends.filter((m) => m.idempotencyKey === msg.idempotencyKey).length);
    const body =
      code === 200
        ? { status: 'SENT', providerMessageId: `<${msg.communicationId}@stand-in>` }
        : { status: 'FAILED', error: `scripted ${code}` };
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.endsWith('/rexera-communication')) {
        answerCommunication(body, res);
        return;
      }
      void (async () => {
        const dispatch = JSON.parse(body) as Dispatch;
        dispatches.push(dispatch);
        const key = `${dispatch.workflowId}:${dispatch.taskType}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        try {
          const reply = await current({
            dispatch,
            count: counts.get(key) ?? 1,
            sendDocument: async (doc) => {
              const document = { documentId: crypto.randomUUID(), ...doc };
              if (opts.api) {
                await postSigned(`/api/workflows/${dispatch.workflowId}/documents`, document);
                return;
              }
              await client.workflow
                .getHandle(dispatch.temporalWorkflowId)
                .executeUpdate(documentReceivedUpdate, { args: [document] });
            },
          });
          if (reply.status === 'HTTP') {
            res.writeHead(reply.code).end('scripted failure');
            return;
          }
          if (reply.status !== 'SILENT') {
            const outcome = {
              taskExecutionId: dispatch.taskExecutionId,
              attempt: dispatch.attempt,
              ...reply,
            };
            answers.push(
              opts.api
                ? await postSigned('/api/task-outcomes', {
                    workflowId: dispatch.workflowId,
                    outcome,
                  })
                : await deliverTaskOutcome(client, dispatch.temporalWorkflowId, outcome),
            );
          }
          res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
        } catch (err) {
          res.writeHead(500).end(String(err));
        }
      })();
    });
  });
  const port = await getFreePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/webhook/rexera-task`,
    dispatches,
    answers,
    sends,
    setScript(next: Script) {
      current = next;
    },
    setChannel(next: ChannelScript) {
      channel = next;
    },
    /** From now on, report through the API's signed callbacks instead of straight to Temporal. */
    useApi(api: { url: string; secret: string }) {
      opts.api = api;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
