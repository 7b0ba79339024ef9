CREATE TABLE "library" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"active_key" text NOT NULL,
	"target_key" text,
	"reindex_run_id" text,
	"reindex_started_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"revision" text,
	"text_dtype" text NOT NULL,
	"vision_dtype" text NOT NULL,
	"dimension" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "library" ADD CONSTRAINT "library_active_key_model_key_fk" FOREIGN KEY ("active_key") REFERENCES "public"."model"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "library" ADD CONSTRAINT "library_target_key_model_key_fk" FOREIGN KEY ("target_key") REFERENCES "public"."model"("key") ON DELETE no action ON UPDATE no action;