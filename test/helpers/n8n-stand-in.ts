import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { DispatchRequest } from '../../activities/n8n.js';
import { deliverTaskOutcome, type DeliveryAnswer } from '../../src/workflows/service.js';
import {
  documentReceivedUpdate,
  type DocumentReceived,
} from '../../workflows/business/messages.js';
import { getFreePort } from '../../src/infra/ports.js';
import { signedHeaders } from './api.js';

export type Dispatch = DispatchRequest & { callbackUrl: string };

/** What the scripted "agent" does with one dispatch. */
export type Reply =
  | { status: 'COMPLETED'; output: Record<string, unknown> }
  | { status: 'FAILED'; error: { message: string; retryable: boolean } }
  | { status: 'NEEDS_HUMAN'; reason: string }
  /** Never answers (the SLA ladder runs). */
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

/** Realistic agent outputs for every taskType of the three definitions. */
export function realisticOutput(taskType: string): Record<string, unknown> {
  switch (taskType) {
    case 'identify_lender_contact':
      return {
        lender: 'First Federal Bank',
        department: 'Payoff Desk',
        phone: '+1-800-555-0100',
        email: 'payoffs@ffb.example',
        preferredChannel: 'IVR',
      };
    case 'send_payoff_request':
      return { sentVia: 'IVR', confirmation: 'IVR-88412', requestedAt: '2026-11-27T10:00:00Z' };
    case 'extract_payoff_data':
      return {
        payoffAmount: '245310.55',
        goodThrough: '2026-12-15',
        perDiem: '31.42',
        loanNumber: 'LN-1',
      };
    case 'generate_invoice':
      return {
        currency: 'USD',
        tax: '8.25',
        lines: [
          {
            description: 'Payoff processing fee',
            category: 'SERVICE_FEE',
            quantity: 1,
            unitPrice: '95.00',
          },
          {
            description: 'Lender statement fee',
            category: 'THIRD_PARTY_FEE',
            quantity: '2',
            unitPrice: '12.50',
          },
        ],
      };
    case 'update_crm_record':
      return { crmRecordId: 'CRM-7781', updated: true };
    case 'notify_client':
      return { notified: true, channel: 'EMAIL' };
    case 'research_hoa_contact':
      return {
        hoa: 'Maple Grove HOA',
        manager: 'Acme Management',
        email: 'docs@maplegrove.example',
        preferredChannel: 'PHONE',
      };
    case 'send_request':
      return { sentVia: 'PHONE', spokeWith: 'Front desk', requestId: 'HOA-REQ-12' };
    case 'analyze_hoa_docs':
      return {
        monthlyDues: '325.00',
        specialAssessments: [],
        transferFee: '250.00',
        violations: 0,
      };
    case 'quality_validation':
      return { passed: true, checks: 12, issues: [] };
    case 'research_municipality':
      return {
        municipality: 'Springfield',
        portals: ['https://liens.springfield.example'],
        clerkPhone: '+1-555-0199',
      };
    case 'portal_access':
      return { searched: 2, documentsFound: 3 };
    case 'process_documents':
      return { liens: [{ type: 'WATER', amount: '120.40', open: true }], openLienTotal: '120.40' };
    default:
      return { ok: true };
  }
}

export const completeAll: Script = ({ dispatch }) => ({
  status: 'COMPLETED',
  output: realisticOutput(dispatch.taskType),
});

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

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
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
    setScript(next: Script) {
      current = next;
    },
    /** From now on, report through the API's signed callbacks instead of straight to Temporal. */
    useApi(api: { url: string; secret: string }) {
      opts.api = api;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
