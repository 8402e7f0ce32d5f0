-- Supabase compatibility, integrity guards and row-level security.
-- Everything in the auth shim is created only where it is missing, so the same migrations
-- run unchanged against a Supabase database (which already has all of it).

-- Roles (cluster-wide: another database of the same server may have made them already).
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END;
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role' AND rolbypassrls) THEN
    ALTER ROLE service_role BYPASSRLS;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'service_role exists and cannot be altered here; leaving it as it is';
END $$;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS auth;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS auth.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text,
  raw_app_meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
  raw_user_meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
-- auth.jwt(), auth.uid() and auth.role() read the claims PostgREST (or our API) puts in
-- request.jwt.claims for the transaction, as Supabase's own functions do.
DO $$
BEGIN
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS
      $f$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $f$;
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
      $f$ SELECT coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
          )::uuid $f$;
  END IF;
  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS
      $f$ SELECT coalesce(
            nullif(current_setting('request.jwt.claim.role', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
          )::text $f$;
  END IF;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role() TO anon, authenticated, service_role;
--> statement-breakpoint
ALTER TABLE "user_profiles"
  ADD CONSTRAINT "user_profiles_id_auth_users_fk"
  FOREIGN KEY ("id") REFERENCES auth.users ("id") ON DELETE CASCADE;
--> statement-breakpoint

-- updated_at is the database's job, not the caller's.
CREATE FUNCTION public.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['clients', 'counterparties', 'user_profiles', 'workflows',
    'task_executions', 'sla_tracking', 'escalations', 'communications', 'documents',
    'invoices'] LOOP
    EXECUTE format(
      'CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.%I FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()',
      t);
  END LOOP;
END $$;
--> statement-breakpoint

-- audit_events is append-only: no UPDATE, DELETE or TRUNCATE, whoever asks (SQLSTATE RX001).
CREATE FUNCTION public.audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'RX001', HINT = 'Record a new audit event instead.';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON public.audit_events
  FOR EACH ROW EXECUTE FUNCTION public.audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON public.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION public.audit_events_append_only();
--> statement-breakpoint

-- A task execution that reached a terminal status is history: it never changes again
-- (SQLSTATE RX002). A retry is a new row with the next attempt number.
CREATE FUNCTION public.task_executions_terminal_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'task execution % is % and can no longer change (% refused)', OLD.id, OLD.status, TG_OP
    USING ERRCODE = 'RX002', HINT = 'Record a new attempt instead.';
END $$;
--> statement-breakpoint
CREATE TRIGGER task_executions_terminal_is_final
  BEFORE UPDATE OR DELETE ON public.task_executions
  FOR EACH ROW
  WHEN (OLD.status IN ('COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'))
  EXECUTE FUNCTION public.task_executions_terminal_is_final();
--> statement-breakpoint

-- Privileges as Supabase sets them: the API roles may reach every table, and row-level
-- security decides which rows. Policies come with the API; until then anon and
-- authenticated see nothing, and service_role (BYPASSRLS) sees everything.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO anon, authenticated, service_role;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['clients', 'counterparties', 'user_profiles', 'workflows',
    'task_executions', 'sla_tracking', 'escalations', 'communications', 'email_metadata',
    'call_metadata', 'message_metadata', 'documents', 'audit_events', 'invoices',
    'cost_items'] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
