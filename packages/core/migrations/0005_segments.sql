ALTER TABLE "job" ADD COLUMN "run_id" text;--> statement-breakpoint
UPDATE "job" SET "run_id" = "id";--> statement-breakpoint
ALTER TABLE "job" ALTER COLUMN "run_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "job" ADD COLUMN "segment" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "job" ADD COLUMN "start_sec" double precision;--> statement-breakpoint
ALTER TABLE "job" ADD COLUMN "end_sec" double precision;--> statement-breakpoint
ALTER TABLE "video" ADD COLUMN "segments" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "job_run_idx" ON "job" USING btree ("run_id");
