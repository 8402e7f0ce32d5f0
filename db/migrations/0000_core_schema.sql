CREATE TYPE "public"."actor_type" AS ENUM('AGENT', 'HUMAN', 'SYSTEM');--> statement-breakpoint
CREATE TYPE "public"."communication_direction" AS ENUM('INBOUND', 'OUTBOUND', 'INTERNAL');--> statement-breakpoint
CREATE TYPE "public"."communication_status" AS ENUM('QUEUED', 'SENT', 'DELIVERED', 'RECEIVED', 'READ', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."communication_type" AS ENUM('EMAIL', 'CALL', 'MESSAGE');--> statement-breakpoint
CREATE TYPE "public"."counterparty_type" AS ENUM('LENDER', 'HOA', 'MUNICIPALITY', 'COUNTY', 'TITLE_COMPANY', 'OTHER');--> statement-breakpoint
CREATE TYPE "public"."document_type" AS ENUM('WORKING', 'DELIVERABLE');--> statement-breakpoint
CREATE TYPE "public"."escalation_action" AS ENUM('RETRY', 'COMPLETE', 'SKIP', 'CANCEL_WORKFLOW');--> statement-breakpoint
CREATE TYPE "public"."escalation_status" AS ENUM('OPEN', 'RESOLVED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."escalation_trigger" AS ENUM('RETRIES_EXHAUSTED', 'NON_RETRYABLE_FAILURE', 'AGENT_NEEDS_HUMAN', 'SLA_RED', 'INBOUND_TIMEOUT');--> statement-breakpoint
CREATE TYPE "public"."executor_type" AS ENUM('AI_AGENT', 'HIL', 'SYSTEM');--> statement-breakpoint
CREATE TYPE "public"."invoice_status" AS ENUM('DRAFT', 'ISSUED', 'PAID', 'VOID');--> statement-breakpoint
CREATE TYPE "public"."priority_level" AS ENUM('LOW', 'NORMAL', 'HIGH', 'URGENT');--> statement-breakpoint
CREATE TYPE "public"."sla_alert_level" AS ENUM('GREEN', 'YELLOW', 'ORANGE', 'RED', 'BREACHED');--> statement-breakpoint
CREATE TYPE "public"."sla_status" AS ENUM('ACTIVE', 'COMPLETED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('PENDING', 'RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('CLIENT_USER', 'HIL_STAFF', 'MANAGER', 'ADMIN');--> statement-breakpoint
CREATE TYPE "public"."user_type" AS ENUM('HIL', 'CLIENT');--> statement-breakpoint
CREATE TYPE "public"."workflow_status" AS ENUM('PENDING', 'IN_PROGRESS', 'BLOCKED', 'COMPLETED', 'FAILED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."workflow_type" AS ENUM('PAYOFF', 'HOA_ACQUISITION', 'MUNICIPAL_LIEN_SEARCH');--> statement-breakpoint
CREATE TABLE "clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"domain" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "counterparties" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" "counterparty_type" NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"website" text,
	"address" jsonb,
	"contact_preferences" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_profiles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_type" "user_type" NOT NULL,
	"role" "user_role" NOT NULL,
	"email" text NOT NULL,
	"full_name" text,
	"client_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_profiles_client_has_organisation" CHECK (("user_profiles"."user_type" = 'CLIENT' AND "user_profiles"."client_id" IS NOT NULL AND "user_profiles"."role" = 'CLIENT_USER')
        OR ("user_profiles"."user_type" = 'HIL' AND "user_profiles"."client_id" IS NULL AND "user_profiles"."role" <> 'CLIENT_USER'))
);
--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"task_execution_id" uuid NOT NULL,
	"trigger" "escalation_trigger" NOT NULL,
	"status" "escalation_status" DEFAULT 'OPEN' NOT NULL,
	"reason" text NOT NULL,
	"sla_level" "sla_alert_level",
	"assigned_to" uuid,
	"notification_count" integer DEFAULT 0 NOT NULL,
	"last_notified_at" timestamp with time zone,
	"resolution_action" "escalation_action",
	"resolution_data" jsonb,
	"resolution_note" text,
	"resolved_by" uuid,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalations_notification_count_nonnegative" CHECK ("escalations"."notification_count" >= 0),
	CONSTRAINT "escalations_resolution_complete" CHECK (("escalations"."status" = 'RESOLVED') = ("escalations"."resolution_action" IS NOT NULL AND "escalations"."resolved_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "sla_tracking" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_execution_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"sla_seconds" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"alert_level" "sla_alert_level" DEFAULT 'GREEN' NOT NULL,
	"status" "sla_status" DEFAULT 'ACTIVE' NOT NULL,
	"yellow_at" timestamp with time zone,
	"orange_at" timestamp with time zone,
	"red_at" timestamp with time zone,
	"breached_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_tracking_sla_positive" CHECK ("sla_tracking"."sla_seconds" > 0),
	CONSTRAINT "sla_tracking_due_after_start" CHECK ("sla_tracking"."due_at" > "sla_tracking"."started_at"),
	CONSTRAINT "sla_tracking_levels_in_order" CHECK (("sla_tracking"."orange_at" IS NULL OR "sla_tracking"."yellow_at" IS NOT NULL)
        AND ("sla_tracking"."red_at" IS NULL OR "sla_tracking"."orange_at" IS NOT NULL)
        AND ("sla_tracking"."breached_at" IS NULL OR "sla_tracking"."red_at" IS NOT NULL)
        AND ("sla_tracking"."yellow_at" IS NULL OR "sla_tracking"."orange_at" IS NULL OR "sla_tracking"."yellow_at" <= "sla_tracking"."orange_at")
        AND ("sla_tracking"."orange_at" IS NULL OR "sla_tracking"."red_at" IS NULL OR "sla_tracking"."orange_at" <= "sla_tracking"."red_at")
        AND ("sla_tracking"."red_at" IS NULL OR "sla_tracking"."breached_at" IS NULL OR "sla_tracking"."red_at" <= "sla_tracking"."breached_at")),
	CONSTRAINT "sla_tracking_level_matches_timestamps" CHECK ("sla_tracking"."alert_level" = CASE
        WHEN "sla_tracking"."breached_at" IS NOT NULL THEN 'BREACHED'::sla_alert_level
        WHEN "sla_tracking"."red_at" IS NOT NULL THEN 'RED'::sla_alert_level
        WHEN "sla_tracking"."orange_at" IS NOT NULL THEN 'ORANGE'::sla_alert_level
        WHEN "sla_tracking"."yellow_at" IS NOT NULL THEN 'YELLOW'::sla_alert_level
        ELSE 'GREEN'::sla_alert_level END)
);
--> statement-breakpoint
CREATE TABLE "task_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"step_index" integer NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"task_type" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"status" "task_status" DEFAULT 'PENDING' NOT NULL,
	"executor_type" "executor_type" NOT NULL,
	"agent_name" text,
	"channel" text,
	"executed_by" uuid,
	"input_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"output_data" jsonb,
	"error_message" text,
	"error_retryable" boolean,
	"sla_seconds" integer,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_executions_attempt_positive" CHECK ("task_executions"."attempt" >= 1),
	CONSTRAINT "task_executions_step_index_nonnegative" CHECK ("task_executions"."step_index" >= 0),
	CONSTRAINT "task_executions_sla_positive" CHECK ("task_executions"."sla_seconds" IS NULL OR "task_executions"."sla_seconds" > 0),
	CONSTRAINT "task_executions_agent_named" CHECK ("task_executions"."executor_type" <> 'AI_AGENT' OR "task_executions"."agent_name" IS NOT NULL),
	CONSTRAINT "task_executions_completed_after_started" CHECK ("task_executions"."completed_at" IS NULL OR "task_executions"."started_at" IS NULL OR "task_executions"."completed_at" >= "task_executions"."started_at"),
	CONSTRAINT "task_executions_terminal_has_completed_at" CHECK (("task_executions"."status" IN ('COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED')) = ("task_executions"."completed_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_type" "workflow_type" NOT NULL,
	"client_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"status" "workflow_status" DEFAULT 'PENDING' NOT NULL,
	"priority" "priority_level" DEFAULT 'NORMAL' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"counterparty_id" uuid,
	"temporal_workflow_id" text,
	"created_by" uuid,
	"assigned_to" uuid,
	"due_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_completed_after_started" CHECK ("workflows"."completed_at" IS NULL OR "workflows"."started_at" IS NULL OR "workflows"."completed_at" >= "workflows"."started_at"),
	CONSTRAINT "workflows_terminal_has_completed_at" CHECK (("workflows"."status" IN ('COMPLETED', 'FAILED', 'CANCELLED')) = ("workflows"."completed_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "call_metadata" (
	"communication_id" uuid PRIMARY KEY NOT NULL,
	"phone_number" text NOT NULL,
	"call_kind" text DEFAULT 'PHONE' NOT NULL,
	"duration_seconds" integer,
	"recording_url" text,
	"transcript" text,
	"ivr_path" jsonb,
	"outcome" text,
	CONSTRAINT "call_metadata_duration_nonnegative" CHECK ("call_metadata"."duration_seconds" IS NULL OR "call_metadata"."duration_seconds" >= 0),
	CONSTRAINT "call_metadata_call_kind" CHECK ("call_metadata"."call_kind" IN ('PHONE', 'IVR'))
);
--> statement-breakpoint
CREATE TABLE "communications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid,
	"task_execution_id" uuid,
	"counterparty_id" uuid,
	"communication_type" "communication_type" NOT NULL,
	"direction" "communication_direction" NOT NULL,
	"status" "communication_status" DEFAULT 'QUEUED' NOT NULL,
	"subject" text,
	"body" text,
	"sender" text,
	"recipient" text,
	"thread_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "communications_message_is_internal" CHECK ("communications"."communication_type" <> 'MESSAGE' OR "communications"."direction" = 'INTERNAL')
);
--> statement-breakpoint
CREATE TABLE "email_metadata" (
	"communication_id" uuid PRIMARY KEY NOT NULL,
	"message_id" text,
	"in_reply_to" text,
	"cc" text[] DEFAULT '{}'::text[] NOT NULL,
	"bcc" text[] DEFAULT '{}'::text[] NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_metadata" (
	"communication_id" uuid PRIMARY KEY NOT NULL,
	"notification_kind" text NOT NULL,
	"recipient_team" text,
	"recipient_user_id" uuid,
	"sla_level" "sla_alert_level",
	"read_at" timestamp with time zone,
	CONSTRAINT "message_metadata_has_recipient" CHECK ("message_metadata"."recipient_team" IS NOT NULL OR "message_metadata"."recipient_user_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"task_execution_id" uuid,
	"counterparty_id" uuid,
	"document_type" "document_type" DEFAULT 'WORKING' NOT NULL,
	"filename" text NOT NULL,
	"storage_url" text NOT NULL,
	"mime_type" text,
	"file_size_bytes" bigint,
	"source" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "documents_size_nonnegative" CHECK ("documents"."file_size_bytes" IS NULL OR "documents"."file_size_bytes" >= 0),
	CONSTRAINT "documents_version_positive" CHECK ("documents"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" uuid,
	"event_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cost_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"task_execution_id" uuid,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"quantity" numeric(10, 2) DEFAULT '1' NOT NULL,
	"unit_price" numeric(12, 2) NOT NULL,
	"amount" numeric(12, 2) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_items_quantity_positive" CHECK ("cost_items"."quantity" > 0),
	CONSTRAINT "cost_items_unit_price_nonnegative" CHECK ("cost_items"."unit_price" >= 0),
	CONSTRAINT "cost_items_amount_is_product" CHECK ("cost_items"."amount" = round("cost_items"."quantity" * "cost_items"."unit_price", 2))
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"task_execution_id" uuid,
	"invoice_number" text NOT NULL,
	"status" "invoice_status" DEFAULT 'DRAFT' NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"subtotal" numeric(12, 2) DEFAULT '0' NOT NULL,
	"tax" numeric(12, 2) DEFAULT '0' NOT NULL,
	"total" numeric(12, 2) DEFAULT '0' NOT NULL,
	"issued_at" timestamp with time zone,
	"due_date" date,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_amounts_nonnegative" CHECK ("invoices"."subtotal" >= 0 AND "invoices"."tax" >= 0),
	CONSTRAINT "invoices_total_adds_up" CHECK ("invoices"."total" = "invoices"."subtotal" + "invoices"."tax"),
	CONSTRAINT "invoices_currency_upper" CHECK ("invoices"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_task_execution_id_task_executions_id_fk" FOREIGN KEY ("task_execution_id") REFERENCES "public"."task_executions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_assigned_to_user_profiles_id_fk" FOREIGN KEY ("assigned_to") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_resolved_by_user_profiles_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."user_profiles"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD CONSTRAINT "sla_tracking_task_execution_id_task_executions_id_fk" FOREIGN KEY ("task_execution_id") REFERENCES "public"."task_executions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD CONSTRAINT "sla_tracking_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_executions" ADD CONSTRAINT "task_executions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_executions" ADD CONSTRAINT "task_executions_executed_by_user_profiles_id_fk" FOREIGN KEY ("executed_by") REFERENCES "public"."user_profiles"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_counterparty_id_counterparties_id_fk" FOREIGN KEY ("counterparty_id") REFERENCES "public"."counterparties"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_created_by_user_profiles_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_assigned_to_user_profiles_id_fk" FOREIGN KEY ("assigned_to") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_metadata" ADD CONSTRAINT "call_metadata_communication_id_communications_id_fk" FOREIGN KEY ("communication_id") REFERENCES "public"."communications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "communications" ADD CONSTRAINT "communications_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "communications" ADD CONSTRAINT "communications_task_execution_id_task_executions_id_fk" FOREIGN KEY ("task_execution_id") REFERENCES "public"."task_executions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "communications" ADD CONSTRAINT "communications_counterparty_id_counterparties_id_fk" FOREIGN KEY ("counterparty_id") REFERENCES "public"."counterparties"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "email_metadata" ADD CONSTRAINT "email_metadata_communication_id_communications_id_fk" FOREIGN KEY ("communication_id") REFERENCES "public"."communications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_metadata" ADD CONSTRAINT "message_metadata_communication_id_communications_id_fk" FOREIGN KEY ("communication_id") REFERENCES "public"."communications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_metadata" ADD CONSTRAINT "message_metadata_recipient_user_id_user_profiles_id_fk" FOREIGN KEY ("recipient_user_id") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_task_execution_id_task_executions_id_fk" FOREIGN KEY ("task_execution_id") REFERENCES "public"."task_executions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_counterparty_id_counterparties_id_fk" FOREIGN KEY ("counterparty_id") REFERENCES "public"."counterparties"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_created_by_user_profiles_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_items" ADD CONSTRAINT "cost_items_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_items" ADD CONSTRAINT "cost_items_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_items" ADD CONSTRAINT "cost_items_task_execution_id_task_executions_id_fk" FOREIGN KEY ("task_execution_id") REFERENCES "public"."task_executions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_task_execution_id_task_executions_id_fk" FOREIGN KEY ("task_execution_id") REFERENCES "public"."task_executions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "clients_name_key" ON "clients" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "counterparties_type_name_key" ON "counterparties" USING btree ("type","name");--> statement-breakpoint
CREATE INDEX "counterparties_name_idx" ON "counterparties" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "user_profiles_email_key" ON "user_profiles" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "user_profiles_client_id_idx" ON "user_profiles" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "escalations_workflow_id_idx" ON "escalations" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "escalations_open_idx" ON "escalations" USING btree ("created_at") WHERE "escalations"."status" = 'OPEN';--> statement-breakpoint
CREATE UNIQUE INDEX "escalations_one_open_per_task_key" ON "escalations" USING btree ("task_execution_id") WHERE "escalations"."status" = 'OPEN';--> statement-breakpoint
CREATE UNIQUE INDEX "sla_tracking_task_execution_id_key" ON "sla_tracking" USING btree ("task_execution_id");--> statement-breakpoint
CREATE INDEX "sla_tracking_workflow_id_idx" ON "sla_tracking" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "sla_tracking_active_level_idx" ON "sla_tracking" USING btree ("alert_level","due_at") WHERE "sla_tracking"."status" = 'ACTIVE';--> statement-breakpoint
CREATE UNIQUE INDEX "task_executions_workflow_step_attempt_key" ON "task_executions" USING btree ("workflow_id","step_index","attempt");--> statement-breakpoint
CREATE INDEX "task_executions_workflow_id_idx" ON "task_executions" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "task_executions_status_idx" ON "task_executions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "task_executions_task_type_idx" ON "task_executions" USING btree ("task_type");--> statement-breakpoint
CREATE UNIQUE INDEX "workflows_temporal_workflow_id_key" ON "workflows" USING btree ("temporal_workflow_id");--> statement-breakpoint
CREATE INDEX "workflows_client_id_idx" ON "workflows" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "workflows_status_idx" ON "workflows" USING btree ("status");--> statement-breakpoint
CREATE INDEX "workflows_type_status_idx" ON "workflows" USING btree ("workflow_type","status");--> statement-breakpoint
CREATE INDEX "workflows_due_at_idx" ON "workflows" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "communications_workflow_id_idx" ON "communications" USING btree ("workflow_id","created_at");--> statement-breakpoint
CREATE INDEX "communications_task_execution_id_idx" ON "communications" USING btree ("task_execution_id");--> statement-breakpoint
CREATE INDEX "communications_thread_id_idx" ON "communications" USING btree ("thread_id");--> statement-breakpoint
CREATE UNIQUE INDEX "email_metadata_message_id_key" ON "email_metadata" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "message_metadata_kind_idx" ON "message_metadata" USING btree ("notification_kind");--> statement-breakpoint
CREATE INDEX "documents_workflow_id_idx" ON "documents" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "documents_task_execution_id_idx" ON "documents" USING btree ("task_execution_id");--> statement-breakpoint
CREATE INDEX "documents_type_idx" ON "documents" USING btree ("document_type");--> statement-breakpoint
CREATE INDEX "audit_events_workflow_id_idx" ON "audit_events" USING btree ("workflow_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_resource_idx" ON "audit_events" USING btree ("resource_type","resource_id");--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action");--> statement-breakpoint
CREATE INDEX "audit_events_created_at_idx" ON "audit_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "cost_items_invoice_id_idx" ON "cost_items" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "cost_items_workflow_id_idx" ON "cost_items" USING btree ("workflow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_invoice_number_key" ON "invoices" USING btree ("invoice_number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_one_live_per_workflow_key" ON "invoices" USING btree ("workflow_id") WHERE "invoices"."status" <> 'VOID';--> statement-breakpoint
CREATE INDEX "invoices_client_id_idx" ON "invoices" USING btree ("client_id");