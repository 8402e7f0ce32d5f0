import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import {
  auditEvents,
  callMetadata,
  clients,
  communications,
  costItems,
  counterparties,
  documents,
  emailMetadata,
  escalations,
  invoices,
  messageMetadata,
  slaTracking,
  taskExecutions,
  userProfiles,
  workflows,
} from '../../db/schema/index.js';
import type { JwtClaims } from '../../db/session.js';

export type Person = 'clientA' | 'clientB' | 'hil' | 'manager';

/**
 * Two organisations, a client user in each, an HIL staff member and a manager, and for each
 * organisation one workflow with a row in every business table: what RLS tests read.
 */
export async function seedWorld(db: Database) {
  const [orgA, orgB] = await db
    .insert(clients)
    .values([{ name: `Org A ${randomUUID()}` }, { name: `Org B ${randomUUID()}` }])
    .returning();
  const people = {} as Record<Person, string>;
  const profile = {
    clientA: { userType: 'CLIENT', role: 'CLIENT_USER', clientId: orgA!.id },
    clientB: { userType: 'CLIENT', role: 'CLIENT_USER', clientId: orgB!.id },
    hil: { userType: 'HIL', role: 'HIL_STAFF', clientId: null },
    manager: { userType: 'HIL', role: 'MANAGER', clientId: null },
  } as const;
  for (const [who, p] of Object.entries(profile) as [Person, (typeof profile)[Person]][]) {
    const id = randomUUID();
    await db.execute(
      sql`INSERT INTO auth.users (id, email) VALUES (${id}, ${`${who}-${id}@example.com`})`,
    );
    await db.insert(userProfiles).values({ id, email: `${who}-${id}@example.com`, ...p });
    people[who] = id;
  }
  await db.insert(counterparties).values({ type: 'LENDER', name: `First Federal ${randomUUID()}` });
  const workflowIds: Record<'A' | 'B', string> = { A: '', B: '' };
  for (const [key, org] of [
    ['A', orgA!],
    ['B', orgB!],
  ] as const) {
    const [wf] = await db
      .insert(workflows)
      .values({ workflowType: 'PAYOFF', clientId: org.id, title: `Payoff ${key}` })
      .returning();
    workflowIds[key] = wf!.id;
    const [task] = await db
      .insert(taskExecutions)
      .values({
        workflowId: wf!.id,
        stepIndex: 0,
        taskType: 'identify_lender_contact',
        title: 't',
        executorType: 'AI_AGENT',
        agentName: 'Nina',
      })
      .returning();
    const now = new Date();
    await db.insert(slaTracking).values({
      taskExecutionId: task!.id,
      workflowId: wf!.id,
      slaSeconds: 3600,
      startedAt: now,
      dueAt: new Date(now.getTime() + 3600_000),
    });
    await db.insert(escalations).values({
      workflowId: wf!.id,
      taskExecutionId: task!.id,
      trigger: 'AGENT_NEEDS_HUMAN',
      reason: 'r',
    });
    await db
      .insert(documents)
      .values({ workflowId: wf!.id, filename: 'd.pdf', storageUrl: 's3://d.pdf' });
    const [email] = await db
      .insert(communications)
      .values({
        workflowId: wf!.id,
        communicationType: 'EMAIL',
        direction: 'OUTBOUND',
        subject: 'Request',
      })
      .returning();
    await db.insert(emailMetadata).values({ communicationId: email!.id });
    const [call] = await db
      .insert(communications)
      .values({ workflowId: wf!.id, communicationType: 'CALL', direction: 'OUTBOUND' })
      .returning();
    await db.insert(callMetadata).values({ communicationId: call!.id, phoneNumber: '+15550100' });
    const [note] = await db
      .insert(communications)
      .values({
        workflowId: wf!.id,
        communicationType: 'MESSAGE',
        direction: 'INTERNAL',
        subject: 'HIL only',
      })
      .returning();
    await db.insert(messageMetadata).values({
      communicationId: note!.id,
      notificationKind: 'ESCALATION_OPENED',
      recipientTeam: 'HIL',
    });
    const [inv] = await db
      .insert(invoices)
      .values({
        workflowId: wf!.id,
        clientId: org.id,
        invoiceNumber: `INV-${randomUUID()}`,
        subtotal: '10.00',
        total: '10.00',
      })
      .returning();
    await db.insert(costItems).values({
      invoiceId: inv!.id,
      workflowId: wf!.id,
      description: 'Fee',
      category: 'SERVICE_FEE',
      unitPrice: '10.00',
      amount: '10.00',
    });
    await db.insert(auditEvents).values({
      workflowId: wf!.id,
      actorType: 'SYSTEM',
      actorId: 'seed',
      action: 'workflow.created',
      resourceType: 'workflow',
      resourceId: wf!.id,
    });
  }
  return { orgA: orgA!, orgB: orgB!, people, workflowIds };
}

/** The claims Supabase would put in a user's JWT (what the API verifies and passes on). */
export function claimsOf(userId: string): JwtClaims {
  return { sub: userId, role: 'authenticated', aud: 'authenticated' };
}
