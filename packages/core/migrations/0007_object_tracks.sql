-- Objects found before tracks existed are each a track of their own (the id of its only detection).
ALTER TABLE "object" ADD COLUMN "track_id" text;--> statement-breakpoint
UPDATE "object" SET "track_id" = "video_id" || '#t' || "frame_no" || '.' || "k";--> statement-breakpoint
ALTER TABLE "object" ALTER COLUMN "track_id" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "object_video_track_idx" ON "object" USING btree ("video_id","track_id");
