import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { counterpartyTypeEnum, userRoleEnum, userTypeEnum } from './enums.js';

/** A client organisation: the tenant boundary for row-level security. */
export const clients = pgTable(
  'clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    domain: text('domain'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [uniqueIndex('clients_name_key').on(t.name)],
);

/** External organisations the agents deal with: lenders, HOAs, municipalities. */
export const counterparties = pgTable(
  'counterparties',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: counterpartyTypeEnum('type').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    website: text('website'),
    address: jsonb('address').$type<Record<string, unknown>>(),
    /** e.g. { "preferredChannel": "IVR" } for a lender. */
    contactPreferences: jsonb('contact_preferences')
      .$type<Record<string, unknown>>()
      .notNull()
      .default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('counterparties_type_name_key').on(t.type, t.name),
    index('counterparties_name_idx').on(t.name),
  ],
);

/**
 * Internal (HIL) and external (client) users. The id is the id of the matching
 * `auth.users` row (foreign key added in the auth migration, so that it also works
 * against Supabase's own auth schema).
 */
export const userProfiles = pgTable(
  'user_profiles',
  {
    id: uuid('id').primaryKey(),
    userType: userTypeEnum('user_type').notNull(),
    role: userRoleEnum('role').notNull(),
    email: text('email').notNull(),
    fullName: text('full_name'),
    clientId: uuid('client_id').references(() => clients.id, { onDelete: 'restrict' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('user_profiles_email_key').on(sql`lower(${t.email})`),
    index('user_profiles_client_id_idx').on(t.clientId),
    check(
      'user_profiles_client_has_organisation',
      sql`(${t.userType} = 'CLIENT' AND ${t.clientId} IS NOT NULL AND ${t.role} = 'CLIENT_USER')
        OR (${t.userType} = 'HIL' AND ${t.clientId} IS NULL AND ${t.role} <> 'CLIENT_USER')`,
    ),
  ],
);
