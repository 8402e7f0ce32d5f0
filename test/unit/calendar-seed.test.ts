import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CALENDAR_YEARS,
  defaultBusinessCalendar,
  usFederalHolidays,
} from '../../workflows/calendar/index.js';

// The platform default calendar is data in a migration (what a fresh database starts with);
// the code computes the same holidays by rule. The two must agree.

const MIGRATION = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../db/migrations/0007_sla_calendar_security_and_default.sql',
);

describe('the default calendar the migration seeds', () => {
  const sql = fs.readFileSync(MIGRATION, 'utf8');

  it('holds the US federal holidays of 2026-2030, as computed by rule', () => {
    const seeded = [...sql.matchAll(/\('(\d{4}-\d{2}-\d{2})', '((?:[^']|'')+)'\)/g)].map((m) => ({
      date: m[1]!,
      name: m[2]!.replaceAll("''", "'"),
    }));
    const computed = usFederalHolidays(...DEFAULT_CALENDAR_YEARS);
    expect(seeded.map((h) => h.date)).toEqual(computed.map((h) => h.date));
    expect(seeded).toHaveLength(55);
  });

  it('is Monday to Friday 09:00-17:00 in New York, as defaultBusinessCalendar() says', () => {
    const cal = defaultBusinessCalendar();
    expect(cal.timeZone).toBe('America/New_York');
    expect(sql).toContain(`'America/New_York', '${JSON.stringify(cal.week)}'`);
  });
});
