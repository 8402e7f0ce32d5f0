import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.js';
import { sql } from 'drizzle-orm';
import { clients, taskExecutions, userProfiles, workflows } from '../../db/schema/index.js';

/** A client organisation and one PAYOFF workflow row, the minimum most tests need. */
export async function insertWorkflow(db: Database) {
  const [client] = await db
    .insert(clients)
    .values({ name: `Client ${randomUUID()}` })
    .returning();
  const [workflow] = await db
    .insert(workflows)
    .values({
      workflowType: 'PAYOFF',
      clientId: client!.id,
      title: 'Payoff for 12 Elm St',
      metadata: { propertyAddress: '12 Elm St', loanNumber: 'LN-1' },
    })
    .returning();
  return { client: client!, workflow: workflow! };
}

export async function insertTask(
  db: Database,
  workflowId: string,
  values: Partial<typeof taskExecutions.$inferInsert> = {},
) {
  const [task] = await db
    .insert(taskExecutions)
    .values({
      workflowId,
      stepIndex: 0,
      taskType: 'identify_lender_contact',
      title: 'Identify lender contact',
      executorType: 'AI_AGENT',
      agentName: 'Nina',
      ...values,
    })
    .returning();
  return task!;
}

/** An HIL staff member (auth user + profile), as the API will know them from their JWT. */
export async function insertHilUser(db: Database, role: 'HIL_STAFF' | 'MANAGER' = 'HIL_STAFF') {
  const id = randomUUID();
  await db.execute(
    sql`INSERT INTO auth.users (id, email) VALUES (${id}, ${`${id}@rexera.example`})`,
  );
  await db
    .insert(userProfiles)
    .values({ id, userType: 'HIL', role, email: `${id}@rexera.example`, fullName: 'Hil Staff' });
  return id;
}
