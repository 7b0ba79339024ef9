/**
 * The HTTP API on Lambda: the same Hono app `vos serve` runs, over the cloud runtime (RDS, S3,
 * SQS, Pinecone), behind API Gateway. Files are not served here: thumbnails and playback are
 * presigned S3 URLs, and uploads go straight to S3.
 */
import { lambdaRuntime } from "@vos/core/cloud";
import { Hono } from "hono";
import { handle, type LambdaContext, type LambdaEvent } from "hono/aws-lambda";
import { cors } from "hono/cors";
import { createApi } from "./api/app.js";

async function build() {
  const runtime = await lambdaRuntime("api");
  const app = new Hono();
  const origins = runtime.config.webOrigins;
  if (origins) {
    app.use(
      "/api/*",
      cors({
        origin: origins.includes("*") ? "*" : origins,
        allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allowHeaders: ["content-type", "content-range", "authorization"],
        maxAge: 600,
      }),
    );
  }
  app.route("/", createApi({ services: runtime.services, tenantOf: () => runtime.config.tenant }));
  return handle(app);
}

let app: ReturnType<typeof build> | undefined;

export async function handler(event: LambdaEvent, context?: LambdaContext) {
  app ??= build().catch((error: unknown) => {
    app = undefined; // the next invocation tries again
    throw error;
  });
  return (await app)(event, context);
}
