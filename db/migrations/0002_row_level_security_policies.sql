-- Row-level security policies: who may read and write what, decided by the database.
-- The API runs each request in a transaction with SET LOCAL ROLE authenticated and the
-- caller's verified JWT claims in request.jwt.claims (as PostgREST does on Supabase), so
-- auth.uid() names the caller. The worker writes as the database owner or service_role,
-- which RLS does not restrict.
--
-- Who someone is comes from user_profiles, not from the token: a changed role or a removed
-- user takes effect at once, not when the token expires.
--   HIL staff, managers, admins (user_type HIL): read everything.
--   Client users: read their own organisation's rows only; create workflows for it.
--   Nobody writes task state, SLA clocks, escalations, documents, messages, invoices or the
--   audit log through this role: those are the worker's (and audit_events refuses changes
--   from anyone anyway).

-- The API's login role must be able to take the request roles (a no-op for a superuser).
DO $$
BEGIN
  EXECUTE format('GRANT anon, authenticated, service_role TO %I', current_user);
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
  RAISE NOTICE 'could not grant the request roles to %; grant them by hand', current_user;
END $$;
--> statement-breakpoint

-- Helpers. SECURITY DEFINER, so that policies on user_profiles do not recurse into
-- themselves; search_path pinned so they cannot be hijacked.
CREATE FUNCTION public.rls_is_internal() RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.user_profiles WHERE id = auth.uid() AND user_type = 'HIL')
$$;
--> statement-breakpoint
CREATE FUNCTION public.rls_client_id() RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT client_id FROM public.user_profiles WHERE id = auth.uid() AND user_type = 'CLIENT'
$$;
--> statement-breakpoint
CREATE FUNCTION public.rls_can_see_workflow(wf uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT public.rls_is_internal()
    OR EXISTS (SELECT 1 FROM public.workflows w WHERE w.id = wf AND w.client_id = public.rls_client_id())
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.rls_is_internal(), public.rls_client_id(), public.rls_can_see_workflow(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.rls_is_internal(), public.rls_client_id(), public.rls_can_see_workflow(uuid)
  TO anon, authenticated, service_role;
--> statement-breakpoint

-- Organisations and people.
CREATE POLICY clients_read ON public.clients FOR SELECT TO authenticated
  USING (public.rls_is_internal() OR id = public.rls_client_id());
--> statement-breakpoint
CREATE POLICY user_profiles_read ON public.user_profiles FOR SELECT TO authenticated
  USING (id = auth.uid() OR public.rls_is_internal() OR client_id = public.rls_client_id());
--> statement-breakpoint
CREATE POLICY counterparties_read ON public.counterparties FOR SELECT TO authenticated USING (true);
--> statement-breakpoint
CREATE POLICY counterparties_write ON public.counterparties FOR ALL TO authenticated
  USING (public.rls_is_internal()) WITH CHECK (public.rls_is_internal());
--> statement-breakpoint

-- Workflows: read your organisation's (or all, internal); create for your organisation.
CREATE POLICY workflows_read ON public.workflows FOR SELECT TO authenticated
  USING (public.rls_is_internal() OR client_id = public.rls_client_id());
--> statement-breakpoint
CREATE POLICY workflows_create ON public.workflows FOR INSERT TO authenticated
  WITH CHECK (
    status = 'PENDING'
    AND (public.rls_is_internal() OR client_id = public.rls_client_id())
  );
--> statement-breakpoint

-- What the worker writes about a workflow: readable by those who can see the workflow.
CREATE POLICY task_executions_read ON public.task_executions FOR SELECT TO authenticated
  USING (public.rls_can_see_workflow(workflow_id));
--> statement-breakpoint
CREATE POLICY sla_tracking_read ON public.sla_tracking FOR SELECT TO authenticated
  USING (public.rls_can_see_workflow(workflow_id));
--> statement-breakpoint
CREATE POLICY documents_read ON public.documents FOR SELECT TO authenticated
  USING (public.rls_can_see_workflow(workflow_id));
--> statement-breakpoint
CREATE POLICY invoices_read ON public.invoices FOR SELECT TO authenticated
  USING (public.rls_is_internal() OR client_id = public.rls_client_id());
--> statement-breakpoint
CREATE POLICY cost_items_read ON public.cost_items FOR SELECT TO authenticated
  USING (public.rls_can_see_workflow(workflow_id));
--> statement-breakpoint
CREATE POLICY audit_events_read ON public.audit_events FOR SELECT TO authenticated
  USING (workflow_id IS NOT NULL AND public.rls_can_see_workflow(workflow_id));
--> statement-breakpoint

-- Internal matters: escalations and internal messages are for HIL staff only; clients see
-- the emails and calls of their workflows.
CREATE POLICY escalations_read ON public.escalations FOR SELECT TO authenticated
  USING (public.rls_is_internal());
--> statement-breakpoint
CREATE POLICY communications_read ON public.communications FOR SELECT TO authenticated
  USING (
    public.rls_is_internal()
    OR (direction <> 'INTERNAL' AND workflow_id IS NOT NULL AND public.rls_can_see_workflow(workflow_id))
  );
--> statement-breakpoint
CREATE POLICY email_metadata_read ON public.email_metadata FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.communications c WHERE c.id = communication_id));
--> statement-breakpoint
CREATE POLICY call_metadata_read ON public.call_metadata FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.communications c WHERE c.id = communication_id));
--> statement-breakpoint
CREATE POLICY message_metadata_read ON public.message_metadata FOR SELECT TO authenticated
  USING (public.rls_is_internal());
