-- Whether a text names a time zone PostgreSQL knows (business_calendars.time_zone).
CREATE FUNCTION public.is_time_zone(tz text) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS $$
BEGIN
  PERFORM now() AT TIME ZONE tz;
  RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN false;
END $$;
--> statement-breakpoint
CREATE TYPE "public"."sla_counts" AS ENUM('CALENDAR', 'BUSINESS');--> statement-breakpoint
CREATE TYPE "public"."sla_pause_reason" AS ENUM('INBOUND_WAIT', 'THIRD_PARTY_HOLD');--> statement-breakpoint
CREATE TABLE "business_calendar_holidays" (
	"calendar_id" uuid NOT NULL,
	"date" date NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "business_calendar_holidays_calendar_id_date_pk" PRIMARY KEY("calendar_id","date")
);
--> statement-breakpoint
CREATE TABLE "business_calendars" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_id" uuid,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"week" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "business_calendars_client_key" UNIQUE NULLS NOT DISTINCT("client_id"),
	CONSTRAINT "business_calendars_time_zone_known" CHECK (public.is_time_zone("business_calendars"."time_zone")),
	CONSTRAINT "business_calendars_week_object" CHECK (jsonb_typeof("business_calendars"."week") = 'object'),
	CONSTRAINT "business_calendars_version_positive" CHECK ("business_calendars"."version" > 0)
);
--> statement-breakpoint
CREATE TABLE "sla_pauses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sla_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"reason" "sla_pause_reason" NOT NULL,
	"note" text,
	"paused_by" uuid,
	"paused_at" timestamp with time zone NOT NULL,
	"resumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_pauses_resumed_after_paused" CHECK ("sla_pauses"."resumed_at" IS NULL OR "sla_pauses"."resumed_at" >= "sla_pauses"."paused_at")
);
--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "counts" "sla_counts" DEFAULT 'CALENDAR' NOT NULL;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "calendar_id" uuid;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "counted_ms" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "counting_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "business_calendar_holidays" ADD CONSTRAINT "business_calendar_holidays_calendar_id_business_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."business_calendars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "business_calendars" ADD CONSTRAINT "business_calendars_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "business_calendars" ADD CONSTRAINT "business_calendars_updated_by_user_profiles_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_pauses" ADD CONSTRAINT "sla_pauses_sla_id_sla_tracking_id_fk" FOREIGN KEY ("sla_id") REFERENCES "public"."sla_tracking"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_pauses" ADD CONSTRAINT "sla_pauses_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_pauses" ADD CONSTRAINT "sla_pauses_paused_by_user_profiles_id_fk" FOREIGN KEY ("paused_by") REFERENCES "public"."user_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sla_pauses_sla_id_idx" ON "sla_pauses" USING btree ("sla_id");--> statement-breakpoint
CREATE INDEX "sla_pauses_workflow_id_idx" ON "sla_pauses" USING btree ("workflow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sla_pauses_one_open_key" ON "sla_pauses" USING btree ("sla_id") WHERE "sla_pauses"."resumed_at" IS NULL;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD CONSTRAINT "sla_tracking_calendar_id_business_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."business_calendars"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD CONSTRAINT "sla_tracking_counted_not_negative" CHECK ("sla_tracking"."counted_ms" >= 0);--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD CONSTRAINT "sla_tracking_business_has_calendar" CHECK ("sla_tracking"."counts" = 'CALENDAR' OR "sla_tracking"."calendar_id" IS NOT NULL);