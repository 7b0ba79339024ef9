ALTER TABLE "video" ADD COLUMN "model_key" text;--> statement-breakpoint
ALTER TABLE "video" ADD COLUMN "model_name" text;