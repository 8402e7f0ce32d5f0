import type pg from 'pg';

// The demo organisation and its people: `npm run dev-users` prints their tokens, the console's
// dev login lists them. Fixed IDs, so that writing them again changes nothing.

export const DEMO_ORGANISATION = {
  id: '0d0d0d0d-0000-4000-8000-00000000a001',
  name: 'Demo Title Co',
} as const;

export const DEMO_USERS = [
  {
    key: 'client',
    id: '0d0d0d0d-0000-4000-8000-00000000c001',
    email: 'client@demo-title.example',
    name: 'Casey Client (Demo Title Co)',
    userType: 'CLIENT',
    role: 'CLIENT_USER',
  },
  {
    key: 'hil',
    id: '0d0d0d0d-0000-4000-8000-00000000b001',
    email: 'hil@rexera.example',
    name: 'Harper HIL (HIL staff)',
    userType: 'HIL',
    role: 'HIL_STAFF',
  },
  {
    key: 'hil2',
    id: '0d0d0d0d-0000-4000-8000-00000000b003',
    email: 'hil2@rexera.example',
    name: 'Jordan HIL (HIL staff)',
    userType: 'HIL',
    role: 'HIL_STAFF',
  },
  {
    key: 'manager',
    id: '0d0d0d0d-0000-4000-8000-00000000b002',
    email: 'manager@rexera.example',
    name: 'Morgan Manager',
    userType: 'HIL',
    role: 'MANAGER',
  },
] as const;

export type DemoUser = (typeof DEMO_USERS)[number];

/** Writes the demo organisation and people (idempotent), in one transaction. */
export async function ensureDemoUsers(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO clients (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
      [DEMO_ORGANISATION.id, DEMO_ORGANISATION.name],
    );
    for (const u of DEMO_USERS) {
      await client.query(
        `INSERT INTO auth.users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
        [u.id, u.email],
      );
      await client.query(
        `INSERT INTO user_profiles (id, email, full_name, user_type, role, client_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET full_name = coalesce(user_profiles.full_name, EXCLUDED.full_name)`,
        [
          u.id,
          u.email,
          u.name,
          u.userType,
          u.role,
          u.userType === 'CLIENT' ? DEMO_ORGANISATION.id : null,
        ],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
