-- Live progress without polling: every change to a workflow's rows is announced on the
-- workflow_events channel (LISTEN/NOTIFY); the API turns them into server-sent events.
-- The payload is small (what changed, not the row): listeners read the row if they need it.
CREATE FUNCTION public.notify_workflow_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wf uuid;
  detail jsonb;
BEGIN
  IF TG_TABLE_NAME = 'workflows' THEN
    wf := NEW.id;
    detail := jsonb_build_object('status', NEW.status);
  ELSIF TG_TABLE_NAME = 'task_executions' THEN
    wf := NEW.workflow_id;
    detail := jsonb_build_object('taskType', NEW.task_type, 'stepIndex', NEW.step_index,
      'attempt', NEW.attempt, 'status', NEW.status);
  ELSIF TG_TABLE_NAME = 'sla_tracking' THEN
    wf := NEW.workflow_id;
    detail := jsonb_build_object('taskExecutionId', NEW.task_execution_id,
      'alertLevel', NEW.alert_level, 'status', NEW.status);
  ELSIF TG_TABLE_NAME = 'escalations' THEN
    wf := NEW.workflow_id;
    detail := jsonb_build_object('trigger', NEW.trigger, 'status', NEW.status);
  ELSE
    wf := NEW.workflow_id;
    detail := '{}'::jsonb;
  END IF;
  PERFORM pg_notify('workflow_events', (jsonb_build_object(
    'workflowId', wf, 'table', TG_TABLE_NAME, 'op', TG_OP, 'id', NEW.id,
    'at', now()) || detail)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['workflows', 'task_executions', 'sla_tracking', 'escalations', 'documents', 'invoices'] LOOP
    EXECUTE format(
      'CREATE TRIGGER notify_workflow_change AFTER INSERT OR UPDATE ON public.%I FOR EACH ROW EXECUTE FUNCTION public.notify_workflow_change()',
      t);
  END LOOP;
END $$;
