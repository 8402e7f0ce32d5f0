import {
  days,
  hours,
  minutes,
  RETRY,
  withAgentTimes,
  withClocks,
  WORKING,
  WORKING_EXCEPT_WAIT,
  type WorkflowDefinition,
} from './types.js';

/** Payoff request: find the lender's payoff desk, ask, read the statement, bill, record, tell. */
export const PAYOFF_V1: WorkflowDefinition = {
  type: 'PAYOFF',
  version: 1,
  escalationReminderEvery: hours(2),
  steps: [
    {
      taskType: 'identify_lender_contact',
      title: 'Identify lender contact',
      description: 'Research lender contact information and communication preferences',
      agent: { defaultAgent: 'Nina' },
      sla: hours(4),
      retry: RETRY.standard,
      inputsFrom: [],
    },
    {
      taskType: 'send_payoff_request',
      title: 'Send payoff request',
      description: 'Send the payoff request to the lender (IVR/Phone/Email based on preference)',
      agent: {
        defaultAgent: 'Mia',
        byChannel: { IVR: 'Max', PHONE: 'Florian', EMAIL: 'Mia' },
        channelFrom: { taskType: 'identify_lender_contact', field: 'preferredChannel' },
        defaultChannel: 'EMAIL',
      },
      sla: hours(8),
      retry: RETRY.outreach,
      inputsFrom: ['identify_lender_contact'],
    },
    {
      taskType: 'extract_payoff_data',
      title: 'Extract payoff data',
      description: 'Extract data from the payoff statement (after lender response)',
      awaits: {
        kind: 'PAYOFF_STATEMENT',
        followUpEvery: hours(24),
        maxFollowUps: 3,
        followUpChannel: 'EMAIL',
      },
      agent: { defaultAgent: 'Iris' },
      sla: days(3),
      retry: RETRY.standard,
      inputsFrom: ['identify_lender_contact', 'send_payoff_request'],
    },
    {
      taskType: 'generate_invoice',
      title: 'Generate invoice',
      description: 'Generate an invoice for the payoff',
      agent: { defaultAgent: 'Kosha' },
      sla: hours(2),
      retry: RETRY.quick,
      inputsFrom: ['extract_payoff_data'],
    },
    {
      taskType: 'update_crm_record',
      title: 'Update CRM record',
      description: 'Update the CRM with the payoff information',
      agent: { defaultAgent: 'Ria' },
      sla: hours(2),
      retry: RETRY.quick,
      inputsFrom: ['extract_payoff_data', 'generate_invoice'],
    },
    {
      taskType: 'notify_client',
      title: 'Notify client',
      description: 'Notify the client that the payoff is complete',
      agent: { defaultAgent: 'Mia' },
      sla: hours(2),
      retry: RETRY.quick,
      inputsFrom: ['extract_payoff_data', 'generate_invoice'],
    },
  ],
};

/**
 * Version 2: the same steps, and how long each agent takes to report (expected, margin): the
 * per-attempt outcome deadline, after which a lost outcome costs one retry, not the workflow.
 */
export const PAYOFF_V2: WorkflowDefinition = withAgentTimes(PAYOFF_V1, 2, {
  identify_lender_contact: [minutes(15), minutes(15)],
  // An IVR or a phone call to a lender's payoff desk can hold for a long time.
  send_payoff_request: [minutes(45), minutes(15)],
  extract_payoff_data: [minutes(10), minutes(10)],
  generate_invoice: [minutes(5), minutes(5)],
  update_crm_record: [minutes(5), minutes(5)],
  notify_client: [minutes(5), minutes(5)],
});

/** Version 3: the same steps, their SLAs in the client's working hours (see withClocks). */
export const PAYOFF_V3: WorkflowDefinition = withClocks(PAYOFF_V2, 3, {
  identify_lender_contact: [hours(4), WORKING],
  send_payoff_request: [hours(8), WORKING],
  // Was 3 days, the lender's wait included; the clock now stops while the statement is awaited
  // (the lender holds the ball), leaving a working day to read it once it is here.
  extract_payoff_data: [hours(8), WORKING_EXCEPT_WAIT],
  generate_invoice: [hours(2), WORKING],
  update_crm_record: [hours(2), WORKING],
  notify_client: [hours(2), WORKING],
});
