import { z } from 'zod';
import { documentReceivedSchema } from '../../workflows/business/messages.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './auth/hmac.js';
import { taskOutcomeCallbackSchema } from './callbacks/schemas.js';
import { devLoginBody } from './dev/schemas.js';
import {
  assignBody,
  escalationListQuery,
  escalationParams,
  holdBody,
  resolveBody,
} from './escalations/schemas.js';
import { calendarBody, clientCalendarParams } from './calendars/schemas.js';
import {
  cancelWorkflowBody,
  createWorkflowBody,
  listWorkflowsQuery,
  workflowParams,
} from './workflows/schemas.js';

interface RouteDoc {
  method: 'get' | 'post' | 'put';
  /** OpenAPI style: /api/workflows/{id} */
  path: string;
  summary: string;
  auth: 'none' | 'jwt' | 'hmac';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, string>;
}

const common = {
  400: 'Invalid input (the message names the field)',
  401: 'Not signed in / bad signature',
  413: 'Body too large',
  415: 'Body is not JSON',
  503: 'PostgreSQL or Temporal unavailable, or no answer within the request deadline: retry after Retry-After seconds',
};

/** Every route of the API. A test checks this list against the routes Express serves. */
export const ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Postgres and Temporal reachability',
    auth: 'none',
    responses: { 200: 'Both up', 503: 'One is down (named)' },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    auth: 'none',
    responses: { 200: 'Text exposition format' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    auth: 'none',
    responses: { 200: 'OpenAPI 3.1' },
  },
  {
    method: 'get',
    path: '/',
    summary: 'Redirects to the HIL console',
    auth: 'none',
    responses: { 302: 'To /console/' },
  },
  {
    method: 'get',
    path: '/console/{*rest}',
    summary: 'The HIL console (a single-page app; deep links under /console/ are its pages)',
    auth: 'none',
    responses: { 200: 'text/html', 503: 'Not built yet: run `npm install` or `npm start`' },
  },
  {
    method: 'get',
    path: '/api/console/settings',
    summary: "What the console needs before signing in: dev login on or off, the Temporal UI's URL",
    auth: 'none',
    responses: { 200: '{ devLogin, demoEscalation, temporalUiUrl, namespace }' },
  },
  {
    method: 'get',
    path: '/api/dev/users',
    summary: 'The demo users (only with DEV_LOGIN: npm start on the embedded defaults)',
    auth: 'none',
    responses: { 200: '{ items }', 404: 'DEV_LOGIN is off' },
  },
  {
    method: 'post',
    path: '/api/dev/login',
    summary: 'A 12-hour token for a demo user (only with DEV_LOGIN)',
    auth: 'none',
    body: devLoginBody,
    responses: {
      ...common,
      200: '{ token, user }',
      404: 'DEV_LOGIN is off',
      422: 'Not a demo user',
    },
  },
  {
    method: 'post',
    path: '/api/dev/demo-escalation',
    summary:
      'Starts a demo payoff whose first agent asks for a person (only with DEV_LOGIN and the agent simulator)',
    auth: 'jwt',
    responses: {
      401: 'Not signed in',
      201: '{ workflowId }',
      404: 'DEV_LOGIN is off, or no agent simulator',
      503: 'The agent simulator or Temporal does not answer',
    },
  },
  {
    method: 'get',
    path: '/api/me',
    summary: 'Who the token is: profile, role, organisation',
    auth: 'jwt',
    responses: { ...common, 200: '{ id, email, fullName, userType, role, clientId, clientName }' },
  },
  {
    method: 'get',
    path: '/api/events',
    summary:
      "Changes of every workflow the caller may see (a client: their organisation's) as server-sent events (token also as ?access_token=)",
    auth: 'jwt',
    responses: { ...common, 200: 'text/event-stream' },
  },
  {
    method: 'post',
    path: '/api/workflows',
    summary: 'Create a business workflow and start it (Idempotency-Key header honoured)',
    auth: 'jwt',
    body: createWorkflowBody,
    responses: {
      ...common,
      201: 'Created and started',
      200: 'Same Idempotency-Key: the first result',
      403: 'Not your organisation',
      503: 'Temporal or PostgreSQL unavailable; nothing was created: retry (same Idempotency-Key)',
    },
  },
  {
    method: 'get',
    path: '/api/workflows',
    summary: 'List workflows (filters, pagination)',
    auth: 'jwt',
    query: listWorkflowsQuery,
    responses: { ...common, 200: '{ items, total, limit, offset }' },
  },
  {
    method: 'get',
    path: '/api/clients',
    summary: 'Client organisations the caller may see (all for HIL staff; a client: their own)',
    auth: 'jwt',
    responses: { ...common, 200: '{ items: [{ id, name }] }' },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}',
    summary: 'One workflow with tasks, SLA, escalations, documents, communications, invoice',
    auth: 'jwt',
    params: workflowParams,
    responses: { ...common, 200: 'The workflow', 404: 'No such workflow, or not yours' },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/audit',
    summary: 'Audit log of a workflow',
    auth: 'jwt',
    params: workflowParams,
    responses: { ...common, 200: '{ events }', 404: 'No such workflow, or not yours' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/cancel',
    summary: 'Cancel a workflow',
    auth: 'jwt',
    params: workflowParams,
    body: cancelWorkflowBody,
    responses: {
      ...common,
      202: 'Cancellation requested',
      404: 'No such workflow, or not yours',
      409: 'Already ended',
      503: 'Temporal unavailable',
    },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/events',
    summary: 'Live changes as server-sent events (token also as ?access_token=)',
    auth: 'jwt',
    params: workflowParams,
    responses: { ...common, 200: 'text/event-stream', 404: 'No such workflow, or not yours' },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/documents',
    summary: 'An inbound document (HOA documents, payoff statement), from n8n',
    auth: 'hmac',
    params: workflowParams,
    body: documentReceivedSchema,
    responses: {
      ...common,
      200: 'applied or duplicate',
      202: 'queued (no worker up)',
      404: 'Unknown workflow (no such workflow, or it never started)',
      409: 'Workflow ended (result closed)',
      422: 'This workflow does not wait for that kind',
      503: 'Temporal or PostgreSQL unavailable: retry',
    },
  },
  {
    method: 'post',
    path: '/api/task-outcomes',
    summary: 'A task outcome reported by n8n',
    auth: 'hmac',
    body: taskOutcomeCallbackSchema,
    responses: {
      ...common,
      200: 'applied or duplicate',
      202: 'queued (no worker up)',
      404: 'Unknown workflow, or unknown task execution (details say which)',
      409: 'Stale (older attempt or finished task), or workflow ended (result closed)',
      422: 'Output not acceptable',
      503: 'Temporal or PostgreSQL unavailable: retry',
    },
  },
  {
    method: 'get',
    path: '/api/escalations',
    summary: 'Escalations, most urgent SLA first (HIL staff)',
    auth: 'jwt',
    query: escalationListQuery,
    responses: { ...common, 200: '{ items }', 403: 'Not HIL staff' },
  },
  {
    method: 'post',
    path: '/api/escalations/{id}/resolve',
    summary: 'Resolve an escalation: RETRY, COMPLETE, SKIP, CANCEL_WORKFLOW (HIL staff)',
    auth: 'jwt',
    params: escalationParams,
    body: resolveBody,
    responses: {
      ...common,
      200: 'applied or duplicate',
      403: 'Not HIL staff',
      404: 'No such escalation',
      409: 'Not open / already resolved otherwise, or its workflow has ended',
      422: 'Not allowed here',
      503: 'Temporal unavailable',
    },
  },
  {
    method: 'post',
    path: '/api/escalations/{id}/assign',
    summary: 'Take an open escalation, or hand it to another HIL user (HIL staff)',
    auth: 'jwt',
    params: escalationParams,
    body: assignBody,
    responses: {
      ...common,
      200: 'applied or duplicate',
      403: 'Not HIL staff',
      404: 'No such escalation',
      409: 'Not open, held by someone else (only they or a manager hand it on), or its workflow has ended',
      422: 'The assignee is not HIL staff',
      503: 'Temporal unavailable',
    },
  },
  {
    method: 'post',
    path: '/api/escalations/{id}/hold',
    summary:
      "Put an open escalation on hold for a third party (its step's SLA clock stops), or lift the hold (managers)",
    auth: 'jwt',
    params: escalationParams,
    body: holdBody,
    responses: {
      ...common,
      200: 'applied or duplicate',
      403: 'Not a manager',
      404: 'No such escalation',
      409: 'Not open, or its workflow has ended',
      422: "The step's SLA clock does not stop for a third party (its definition)",
      503: 'Temporal unavailable',
    },
  },
  {
    method: 'get',
    path: '/api/calendars',
    summary: 'Business calendars the caller may read (a client: its own and the default)',
    auth: 'jwt',
    responses: {
      ...common,
      200: '{ items: [{ id, clientId, name, timeZone, week, holidays, version }] }',
    },
  },
  {
    method: 'get',
    path: '/api/calendars/default',
    summary: 'The platform default calendar (clients without their own count in it)',
    auth: 'jwt',
    responses: {
      ...common,
      200: '{ id, clientId: null, name, timeZone, week, holidays, version }',
    },
  },
  {
    method: 'put',
    path: '/api/calendars/default',
    summary:
      'Set the default calendar as a whole; running workflows that count in it are told (managers)',
    auth: 'jwt',
    body: calendarBody,
    responses: {
      ...common,
      200: '{ calendar, changed, workflowsSignalled } (the same content again: changed false)',
      403: 'Not a manager',
      409: 'body.version is not the stored version',
    },
  },
  {
    method: 'get',
    path: '/api/clients/{clientId}/calendar',
    summary:
      "The calendar a client's SLA clocks count in: its own, or the default (inherited: true)",
    auth: 'jwt',
    params: clientCalendarParams,
    responses: {
      ...common,
      200: '{ ...calendar, inherited }',
      404: 'No such client (or not yours)',
    },
  },
  {
    method: 'put',
    path: '/api/clients/{clientId}/calendar',
    summary: "Set a client's own calendar as a whole; its running workflows are told (managers)",
    auth: 'jwt',
    params: clientCalendarParams,
    body: calendarBody,
    responses: {
      ...common,
      200: '{ calendar, changed, workflowsSignalled } (the same content again: changed false)',
      403: 'Not a manager',
      404: 'No such client',
      409: 'body.version is not the stored version',
    },
  },
  {
    method: 'get',
    path: '/api/task-outputs',
    summary:
      "What each task type produces, by example (the console's form to complete a task by hand)",
    auth: 'jwt',
    responses: { ...common, 200: '{ items: { <taskType>: <example output> } }' },
  },
  {
    method: 'get',
    path: '/api/hil-staff',
    summary: 'HIL staff and managers (whom an escalation can be handed to)',
    auth: 'jwt',
    responses: { ...common, 200: '{ items: [{ id, name, role }] }', 403: 'Not HIL staff' },
  },
  {
    method: 'get',
    path: '/api/sla-board',
    summary:
      'Running tasks by SLA alert level, each with its counted and remaining time, next threshold, and pause',
    auth: 'jwt',
    responses: {
      ...common,
      200: '{ BREACHED, RED, ORANGE, YELLOW, GREEN }: [{ taskType, counts, countedMs, remainingMs, next: { level, at }, paused: { reason, since, note } }]',
    },
  },
];

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

function parameters(route: RouteDoc) {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema) as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: s,
      });
    }
  }
  if (route.path === '/api/workflows' && route.method === 'post') {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', maxLength: 200 },
    });
  }
  if (route.auth === 'hmac') {
    out.push({
      name: TIMESTAMP_HEADER,
      in: 'header',
      required: true,
      schema: { type: 'string', pattern: '^\\d+$' },
    });
    out.push({
      name: SIGNATURE_HEADER,
      in: 'header',
      required: true,
      schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
    });
  }
  return out;
}

/** The OpenAPI 3.1 document of the API, built from the same zod schemas the routes use. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      security:
        route.auth === 'jwt'
          ? [{ bearer: [] }]
          : route.auth === 'hmac'
            ? [{ n8nSignature: [] }]
            : [],
      parameters: parameters(route),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: { type: 'object' } } } },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rexera workflow API',
      version: '0.1.0',
      description:
        'Business workflows, n8n callbacks and HIL commands. Reads go through row-level security as the caller.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (Supabase, HS256)' },
        n8nSignature: {
          type: 'apiKey',
          in: 'header',
          name: SIGNATURE_HEADER,
          description: `HMAC-SHA256 of "<${TIMESTAMP_HEADER}>.<raw body>" with the shared secret`,
        },
      },
    },
    paths,
  };
}
