-- Business calendars and SLA pauses: row-level security, and the platform default calendar
-- (Monday to Friday 09:00-17:00 America/New_York, the US federal holidays of 2026-2030, as
-- workflows/calendar/us-federal-holidays.ts computes them; test/unit/calendar-seed.test.ts
-- checks the two agree).
--   Calendars: a client reads its own and the default; HIL staff read all; only managers
--   (and admins) change them. Pauses: read like the workflow they belong to; written by the
--   worker only.
ALTER TABLE public.business_calendars ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.business_calendar_holidays ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.sla_pauses ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.business_calendars
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
--> statement-breakpoint
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.sla_pauses
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
--> statement-breakpoint
CREATE FUNCTION public.rls_is_manager() RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.user_profiles
    WHERE id = auth.uid() AND user_type = 'HIL' AND role IN ('MANAGER', 'ADMIN')
  )
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.rls_is_manager() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.rls_is_manager() TO anon, authenticated, service_role;
--> statement-breakpoint
CREATE POLICY business_calendars_read ON public.business_calendars FOR SELECT TO authenticated
  USING (public.rls_is_internal() OR client_id IS NULL OR client_id = public.rls_client_id());
--> statement-breakpoint
CREATE POLICY business_calendars_write ON public.business_calendars FOR ALL TO authenticated
  USING (public.rls_is_manager()) WITH CHECK (public.rls_is_manager());
--> statement-breakpoint
CREATE POLICY business_calendar_holidays_read ON public.business_calendar_holidays FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.business_calendars c WHERE c.id = calendar_id));
--> statement-breakpoint
CREATE POLICY business_calendar_holidays_write ON public.business_calendar_holidays FOR ALL TO authenticated
  USING (public.rls_is_manager()) WITH CHECK (public.rls_is_manager());
--> statement-breakpoint
CREATE POLICY sla_pauses_read ON public.sla_pauses FOR SELECT TO authenticated
  USING (public.rls_can_see_workflow(workflow_id));
--> statement-breakpoint
WITH calendar AS (
  INSERT INTO public.business_calendars (client_id, name, time_zone, week)
  VALUES (NULL, 'Platform default', 'America/New_York', '{"1":[{"start":"09:00","end":"17:00"}],"2":[{"start":"09:00","end":"17:00"}],"3":[{"start":"09:00","end":"17:00"}],"4":[{"start":"09:00","end":"17:00"}],"5":[{"start":"09:00","end":"17:00"}]}')
  ON CONFLICT DO NOTHING
  RETURNING id
)
INSERT INTO public.business_calendar_holidays (calendar_id, date, name)
SELECT calendar.id, holiday.date::date, holiday.name
FROM calendar, (VALUES
  ('2026-01-01', 'New Year''s Day'),
  ('2026-01-19', 'Martin Luther King Jr. Day'),
  ('2026-02-16', 'Washington''s Birthday'),
  ('2026-05-25', 'Memorial Day'),
  ('2026-06-19', 'Juneteenth National Independence Day'),
  ('2026-07-03', 'Independence Day (observed)'),
  ('2026-09-07', 'Labor Day'),
  ('2026-10-12', 'Columbus Day'),
  ('2026-11-11', 'Veterans Day'),
  ('2026-11-26', 'Thanksgiving Day'),
  ('2026-12-25', 'Christmas Day'),
  ('2027-01-01', 'New Year''s Day'),
  ('2027-01-18', 'Martin Luther King Jr. Day'),
  ('2027-02-15', 'Washington''s Birthday'),
  ('2027-05-31', 'Memorial Day'),
  ('2027-06-18', 'Juneteenth National Independence Day (observed)'),
  ('2027-07-05', 'Independence Day (observed)'),
  ('2027-09-06', 'Labor Day'),
  ('2027-10-11', 'Columbus Day'),
  ('2027-11-11', 'Veterans Day'),
  ('2027-11-25', 'Thanksgiving Day'),
  ('2027-12-24', 'Christmas Day (observed)'),
  ('2027-12-31', 'New Year''s Day (observed)'),
  ('2028-01-17', 'Martin Luther King Jr. Day'),
  ('2028-02-21', 'Washington''s Birthday'),
  ('2028-05-29', 'Memorial Day'),
  ('2028-06-19', 'Juneteenth National Independence Day'),
  ('2028-07-04', 'Independence Day'),
  ('2028-09-04', 'Labor Day'),
  ('2028-10-09', 'Columbus Day'),
  ('2028-11-10', 'Veterans Day (observed)'),
  ('2028-11-23', 'Thanksgiving Day'),
  ('2028-12-25', 'Christmas Day'),
  ('2029-01-01', 'New Year''s Day'),
  ('2029-01-15', 'Martin Luther King Jr. Day'),
  ('2029-02-19', 'Washington''s Birthday'),
  ('2029-05-28', 'Memorial Day'),
  ('2029-06-19', 'Juneteenth National Independence Day'),
  ('2029-07-04', 'Independence Day'),
  ('2029-09-03', 'Labor Day'),
  ('2029-10-08', 'Columbus Day'),
  ('2029-11-12', 'Veterans Day (observed)'),
  ('2029-11-22', 'Thanksgiving Day'),
  ('2029-12-25', 'Christmas Day'),
  ('2030-01-01', 'New Year''s Day'),
  ('2030-01-21', 'Martin Luther King Jr. Day'),
  ('2030-02-18', 'Washington''s Birthday'),
  ('2030-05-27', 'Memorial Day'),
  ('2030-06-19', 'Juneteenth National Independence Day'),
  ('2030-07-04', 'Independence Day'),
  ('2030-09-02', 'Labor Day'),
  ('2030-10-14', 'Columbus Day'),
  ('2030-11-11', 'Veterans Day'),
  ('2030-11-28', 'Thanksgiving Day'),
  ('2030-12-25', 'Christmas Day')
) AS holiday(date, name);
