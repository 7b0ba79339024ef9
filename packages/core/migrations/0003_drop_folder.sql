ALTER TABLE "video" ADD COLUMN "source_etag" text;--> statement-breakpoint
CREATE UNIQUE INDEX "video_drop_idx" ON "video" USING btree ("tenant_id","blob_key","source_etag");