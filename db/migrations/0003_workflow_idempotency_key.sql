ALTER TABLE "workflows" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "workflows_client_idempotency_key" ON "workflows" USING btree ("client_id","idempotency_key");