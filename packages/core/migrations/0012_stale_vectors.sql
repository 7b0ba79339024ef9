CREATE TABLE "stale_vectors" (
	"video_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"model_key" text NOT NULL,
	"claimed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stale_vectors_video_id_model_key_pk" PRIMARY KEY("video_id","model_key")
);
--> statement-breakpoint
ALTER TABLE "stale_vectors" ADD CONSTRAINT "stale_vectors_video_id_video_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."video"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stale_vectors" ADD CONSTRAINT "stale_vectors_model_key_model_key_fk" FOREIGN KEY ("model_key") REFERENCES "public"."model"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stale_vectors_tenant_model_idx" ON "stale_vectors" USING btree ("tenant_id","model_key");