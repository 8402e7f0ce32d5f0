ALTER TABLE "sla_tracking" ADD COLUMN "yellow_recorded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "orange_recorded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "red_recorded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sla_tracking" ADD COLUMN "breached_recorded_at" timestamp with time zone;