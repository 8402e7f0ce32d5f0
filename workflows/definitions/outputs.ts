// What each task type of the three definitions produces, by example: the agent simulator
// answers with it, the tests script it, and the console builds its "complete by hand" form
// from its fields (GET /api/task-outputs). Not imported by workflow code.

/**
 * A realistic output of `taskType` (a lender contact with its preferred channel, a payoff
 * amount with a good-through date and per-diem, HOA findings, liens, invoice lines).
 */
export function exampleOutput(taskType: string): Record<string, unknown> {
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

/** Every task type of the definitions with an example output. */
export const TASK_TYPES_WITH_OUTPUTS = [
  'identify_lender_contact',
  'send_payoff_request',
  'extract_payoff_data',
  'generate_invoice',
  'update_crm_record',
  'notify_client',
  'research_hoa_contact',
  'send_request',
  'analyze_hoa_docs',
  'quality_validation',
  'research_municipality',
  'portal_access',
  'process_documents',
] as const;
