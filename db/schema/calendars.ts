import { sql } from 'drizzle-orm';
import {
  check,
  date,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import type { BusinessCalendar } from '../../workflows/calendar/index.js';
import { timestamps } from './columns.js';
import { clients, userProfiles } from './parties.js';

/**
 * Business calendars: the working hours, time zone and holidays that BUSINESS SLA clocks
 * count in. One per client at most; the row with no client is the platform default, which
 * every client without its own uses.
 */
export const businessCalendars = pgTable(
  'business_calendars',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** NULL: the platform default. */
    clientId: uuid('client_id').references(() => clients.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    /** IANA zone, e.g. America/New_York (checked by the database). */
    timeZone: text('time_zone').notNull(),
    /** Working windows by ISO weekday: { "1": [{ "start": "09:00", "end": "17:00" }], ... }. */
    week: jsonb('week').$type<BusinessCalendar['week']>().notNull(),
    /** Bumped by every change: a running workflow compares it with the one it counts by. */
    version: integer('version').notNull().default(1),
    updatedBy: uuid('updated_by').references(() => userProfiles.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [
    unique('business_calendars_client_key').on(t.clientId).nullsNotDistinct(),
    check('business_calendars_time_zone_known', sql`public.is_time_zone(${t.timeZone})`),
    check('business_calendars_week_object', sql`jsonb_typeof(${t.week}) = 'object'`),
    check('business_calendars_version_positive', sql`${t.version} > 0`),
  ],
);

/** The days on which a calendar counts nothing (local dates in its zone). */
export const businessCalendarHolidays = pgTable(
  'business_calendar_holidays',
  {
    calendarId: uuid('calendar_id')
      .notNull()
      .references(() => businessCalendars.id, { onDelete: 'cascade' }),
    date: date('date', { mode: 'string' }).notNull(),
    name: text('name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.calendarId, t.date] })],
);
