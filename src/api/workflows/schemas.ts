import { z } from 'zod';
import {
  PRIORITIES,
  SLA_LEVELS,
  WORKFLOW_STATUSES,
  WORKFLOW_TYPES,
} from '../../../workflows/vocabulary.js';

export const createWorkflowBody = z.strictObject({
  workflowType: z.enum(WORKFLOW_TYPES),
  /** The client organisation; a client user's own by default, required for HIL staff. */
  clientId: z.uuid().optional(),
  title: z.string().trim().min(1).max(300),
  description: z.string().max(5000).optional(),
  priority: z.enum(PRIORITIES).default('NORMAL'),
  /** Property address, loan number, ... */
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** The lender, HOA or municipality. */
  counterpartyId: z.uuid().optional(),
});

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(200).optional(),
});

export const listWorkflowsQuery = z.strictObject({
  type: z.enum(WORKFLOW_TYPES).optional(),
  status: z.enum(WORKFLOW_STATUSES).optional(),
  slaLevel: z.enum(SLA_LEVELS).optional(),
  clientId: z.uuid().optional(),
  /** Words of the title or the property address (case-insensitive). */
  search: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const workflowParams = z.strictObject({ id: z.uuid() });

export const cancelWorkflowBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
