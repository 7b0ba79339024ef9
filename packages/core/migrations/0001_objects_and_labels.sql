CREATE TABLE "object_label" (
	"tenant_id" text NOT NULL,
	"object_id" text NOT NULL,
	"video_id" text NOT NULL,
	"label" text NOT NULL,
	"polarity" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "object_label_tenant_id_object_id_label_pk" PRIMARY KEY("tenant_id","object_id","label")
);
--> statement-breakpoint
CREATE TABLE "object" (
	"video_id" text NOT NULL,
	"frame_no" integer NOT NULL,
	"k" integer NOT NULL,
	"tenant_id" text NOT NULL,
	"time_sec" double precision NOT NULL,
	"end_sec" double precision NOT NULL,
	"label" text NOT NULL,
	"score" real NOT NULL,
	"box_x" real NOT NULL,
	"box_y" real NOT NULL,
	"box_w" real NOT NULL,
	"box_h" real NOT NULL,
	"crop_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "object_video_id_frame_no_k_pk" PRIMARY KEY("video_id","frame_no","k")
);
--> statement-breakpoint
ALTER TABLE "video" ADD COLUMN "object_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "object_label" ADD CONSTRAINT "object_label_video_id_video_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."video"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "object" ADD CONSTRAINT "object_video_id_video_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."video"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "object_label_video_idx" ON "object_label" USING btree ("video_id");--> statement-breakpoint
CREATE INDEX "object_tenant_label_idx" ON "object" USING btree ("tenant_id","label");