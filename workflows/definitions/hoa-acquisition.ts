import {
  days,
  hours,
  minutes,
  RETRY,
  withAgentTimes,
  withClocks,
  WORKING,
  type WorkflowDefinition,
} from './types.js';

/** HOA document acquisition: find the HOA, ask for the documents, wait, analyse, check. */
export const HOA_ACQUISITION_V1: WorkflowDefinition = {
  type: 'HOA_ACQUISITION',
  version: 1,
  escalationReminderEvery: hours(4),
  steps: [
    {
      taskType: 'research_hoa_contact',
      title: 'Research HOA contact',
      description: 'Finds the correct contact information for the HOA.',
      agent: { defaultAgent: 'Nina' },
      sla: hours(8),
      retry: RETRY.standard,
      inputsFrom: [],
    },
    {
      taskType: 'send_request',
      title: 'Send document request',
      description: 'Sends the document request via email or phone.',
      agent: {
        defaultAgent: 'Mia',
        byChannel: { EMAIL: 'Mia', PHONE: 'Florian' },
        channelFrom: { taskType: 'research_hoa_contact', field: 'preferredChannel' },
        defaultChannel: 'EMAIL',
      },
      sla: hours(8),
      retry: RETRY.outreach,
      inputsFrom: ['research_hoa_contact'],
    },
    {
      taskType: 'await_documents',
      title: 'Await HOA documents',
      description: 'A durable wait for the HOA to respond with its documents.',
      awaits: {
        kind: 'HOA_DOCUMENTS',
        followUpEvery: hours(48),
        maxFollowUps: 4,
        followUpChannel: 'EMAIL',
      },
      sla: days(10),
      retry: RETRY.standard,
      inputsFrom: [],
    },
    {
      taskType: 'analyze_hoa_docs',
      title: 'Analyze HOA documents',
      description: 'Analyzes the received HOA documents for key information.',
      agent: { defaultAgent: 'Corey' },
      sla: hours(24),
      retry: RETRY.standard,
      inputsFrom: ['research_hoa_contact', 'await_documents'],
    },
    {
      taskType: 'quality_validation',
      title: 'Quality validation',
      description: 'Performs a quality check on the analysis.',
      agent: { defaultAgent: 'Cassy' },
      sla: hours(8),
      retry: RETRY.standard,
      inputsFrom: ['analyze_hoa_docs'],
    },
  ],
};

/**
 * Version 2: the same steps, and how long each agent takes to report (expected, margin): the
 * per-attempt outcome deadline, after which a lost outcome costs one retry, not the workflow.
 */
export const HOA_ACQUISITION_V2: WorkflowDefinition = withAgentTimes(HOA_ACQUISITION_V1, 2, {
  research_hoa_contact: [minutes(15), minutes(15)],
  send_request: [minutes(45), minutes(15)],
  analyze_hoa_docs: [minutes(20), minutes(10)],
  quality_validation: [minutes(10), minutes(10)],
});

/** Version 3: the same steps, their SLAs in the client's working hours (see withClocks). */
export const HOA_ACQUISITION_V3: WorkflowDefinition = withClocks(HOA_ACQUISITION_V2, 3, {
  research_hoa_contact: [hours(8), WORKING],
  send_request: [hours(8), WORKING],
  // The step is the wait itself: it counts (ten working days), or nothing would ever escalate
  // a silent HOA; a weekend no longer turns it RED.
  await_documents: [hours(80), WORKING],
  analyze_hoa_docs: [hours(8), WORKING],
  quality_validation: [hours(8), WORKING],
});
