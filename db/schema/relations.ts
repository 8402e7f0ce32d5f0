import { relations } from 'drizzle-orm';
import { auditEvents } from './audit.js';
import { costItems, invoices } from './billing.js';
import { callMetadata, communications, emailMetadata, messageMetadata } from './communications.js';
import { documents } from './documents.js';
import { clients, counterparties, userProfiles } from './parties.js';
import { escalations, slaTracking, taskExecutions, workflows } from './workflows.js';

export const clientsRelations = relations(clients, ({ many }) => ({
  workflows: many(workflows),
  users: many(userProfiles),
  invoices: many(invoices),
}));

export const userProfilesRelations = relations(userProfiles, ({ one }) => ({
  client: one(clients, { fields: [userProfiles.clientId], references: [clients.id] }),
}));

export const counterpartiesRelations = relations(counterparties, ({ many }) => ({
  workflows: many(workflows),
  communications: many(communications),
  documents: many(documents),
}));

export const workflowsRelations = relations(workflows, ({ one, many }) => ({
  client: one(clients, { fields: [workflows.clientId], references: [clients.id] }),
  counterparty: one(counterparties, {
    fields: [workflows.counterpartyId],
    references: [counterparties.id],
  }),
  taskExecutions: many(taskExecutions),
  slaTracking: many(slaTracking),
  escalations: many(escalations),
  communications: many(communications),
  documents: many(documents),
  auditEvents: many(auditEvents),
  invoices: many(invoices),
}));

export const taskExecutionsRelations = relations(taskExecutions, ({ one, many }) => ({
  workflow: one(workflows, { fields: [taskExecutions.workflowId], references: [workflows.id] }),
  executedByUser: one(userProfiles, {
    fields: [taskExecutions.executedBy],
    references: [userProfiles.id],
  }),
  sla: one(slaTracking),
  escalations: many(escalations),
  documents: many(documents),
  communications: many(communications),
}));

export const slaTrackingRelations = relations(slaTracking, ({ one }) => ({
  taskExecution: one(taskExecutions, {
    fields: [slaTracking.taskExecutionId],
    references: [taskExecutions.id],
  }),
  workflow: one(workflows, { fields: [slaTracking.workflowId], references: [workflows.id] }),
}));

export const escalationsRelations = relations(escalations, ({ one }) => ({
  workflow: one(workflows, { fields: [escalations.workflowId], references: [workflows.id] }),
  taskExecution: one(taskExecutions, {
    fields: [escalations.taskExecutionId],
    references: [taskExecutions.id],
  }),
  resolvedByUser: one(userProfiles, {
    fields: [escalations.resolvedBy],
    references: [userProfiles.id],
  }),
}));

export const communicationsRelations = relations(communications, ({ one }) => ({
  workflow: one(workflows, { fields: [communications.workflowId], references: [workflows.id] }),
  taskExecution: one(taskExecutions, {
    fields: [communications.taskExecutionId],
    references: [taskExecutions.id],
  }),
  counterparty: one(counterparties, {
    fields: [communications.counterpartyId],
    references: [counterparties.id],
  }),
  email: one(emailMetadata),
  call: one(callMetadata),
  message: one(messageMetadata),
}));

export const emailMetadataRelations = relations(emailMetadata, ({ one }) => ({
  communication: one(communications, {
    fields: [emailMetadata.communicationId],
    references: [communications.id],
  }),
}));

export const callMetadataRelations = relations(callMetadata, ({ one }) => ({
  communication: one(communications, {
    fields: [callMetadata.communicationId],
    references: [communications.id],
  }),
}));

export const messageMetadataRelations = relations(messageMetadata, ({ one }) => ({
  communication: one(communications, {
    fields: [messageMetadata.communicationId],
    references: [communications.id],
  }),
}));

export const documentsRelations = relations(documents, ({ one }) => ({
  workflow: one(workflows, { fields: [documents.workflowId], references: [workflows.id] }),
  taskExecution: one(taskExecutions, {
    fields: [documents.taskExecutionId],
    references: [taskExecutions.id],
  }),
}));

export const auditEventsRelations = relations(auditEvents, ({ one }) => ({
  workflow: one(workflows, { fields: [auditEvents.workflowId], references: [workflows.id] }),
}));

export const invoicesRelations = relations(invoices, ({ one, many }) => ({
  workflow: one(workflows, { fields: [invoices.workflowId], references: [workflows.id] }),
  client: one(clients, { fields: [invoices.clientId], references: [clients.id] }),
  costItems: many(costItems),
}));

export const costItemsRelations = relations(costItems, ({ one }) => ({
  invoice: one(invoices, { fields: [costItems.invoiceId], references: [invoices.id] }),
}));
