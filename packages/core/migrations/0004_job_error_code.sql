ALTER TABLE "job" ADD COLUMN "error_code" text;--> statement-breakpoint
-- Failed jobs recorded their code only as the prefix of last_error ("<code>: <message>").
UPDATE "job" SET "error_code" = split_part("last_error", ': ', 1) WHERE "status" = 'failed' AND "last_error" LIKE '%: %';
