CREATE TABLE "rate_limit" (
	"tenant_id" text NOT NULL,
	"bucket" text NOT NULL,
	"tokens" double precision NOT NULL,
	"refilled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rate_limit_tenant_id_bucket_pk" PRIMARY KEY("tenant_id","bucket")
);
