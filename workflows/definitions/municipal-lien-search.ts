import {
  hours,
  minutes,
  RETRY,
  withAgentTimes,
  withClocks,
  WORKING,
  type WorkflowDefinition,
} from './types.js';

/** Municipal lien search: find the portals, search them, extract, validate, bill. */
export const MUNICIPAL_LIEN_SEARCH_V1: WorkflowDefinition = {
  type: 'MUNICIPAL_LIEN_SEARCH',
  version: 1,
  escalationReminderEvery: hours(2),
  steps: [
    {
      taskType: 'research_municipality',
      title: 'Research municipality',
      description:
        'Researches the target municipality to identify relevant portals and contact points.',
      agent: { defaultAgent: 'Nina' },
      sla: hours(8),
      retry: RETRY.standard,
      inputsFrom: [],
    },
    {
      taskType: 'portal_access',
      title: 'Portal access',
      description: 'Accesses online portals to search for lien information.',
      agent: { defaultAgent: 'Rex' },
      sla: hours(24),
      retry: RETRY.outreach,
      inputsFrom: ['research_municipality'],
    },
    {
      taskType: 'process_documents',
      title: 'Process documents',
      description: 'Extracts data from retrieved documents.',
      agent: { defaultAgent: 'Iris' },
      sla: hours(8),
      retry: RETRY.standard,
      inputsFrom: ['portal_access'],
    },
    {
      taskType: 'quality_validation',
      title: 'Quality validation',
      description: 'Validates the accuracy and completeness of the extracted data.',
      agent: { defaultAgent: 'Cassy' },
      sla: hours(8),
      retry: RETRY.standard,
      inputsFrom: ['process_documents'],
    },
    {
      taskType: 'generate_invoice',
      title: 'Generate invoice',
      description: 'Generates an invoice for the completed search.',
      agent: { defaultAgent: 'Kosha' },
      sla: hours(2),
      retry: RETRY.quick,
      inputsFrom: ['process_documents', 'quality_validation'],
    },
  ],
};

/**
 * Version 2: the same steps, and how long each agent takes to report (expected, margin): the
 * per-attempt outcome deadline, after which a lost outcome costs one retry, not the workflow.
 */
export const MUNICIPAL_LIEN_SEARCH_V2: WorkflowDefinition = withAgentTimes(
  MUNICIPAL_LIEN_SEARCH_V1,
  2,
  {
    research_municipality: [minutes(15), minutes(15)],
    portal_access: [minutes(30), minutes(15)],
    process_documents: [minutes(15), minutes(10)],
    quality_validation: [minutes(10), minutes(10)],
    generate_invoice: [minutes(5), minutes(5)],
  },
);

/** Version 3: the same steps, their SLAs in the client's working hours (see withClocks). */
export const MUNICIPAL_LIEN_SEARCH_V3: WorkflowDefinition = withClocks(
  MUNICIPAL_LIEN_SEARCH_V2,
  3,
  {
    research_municipality: [hours(8), WORKING],
    portal_access: [hours(8), WORKING],
    process_documents: [hours(8), WORKING],
    quality_validation: [hours(8), WORKING],
    generate_invoice: [hours(2), WORKING],
  },
);
