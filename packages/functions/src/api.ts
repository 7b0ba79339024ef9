/**
 * The HTTP API on Lambda: the same Hono app `vos serve` runs, over the cloud runtime (RDS, S3,
 * SQS, Pinecone), behind API Gateway. Files are not served here: thumbnails and playback are
 * presigned S3 URLs, and uploads go straight to S3.
 */
import { handle, type LambdaContext, type LambdaEvent } from "hono/aws-lambda";
import { createApi } from "./api/app.js";
import { LAMBDA_MAX_IMAGE_BYTES } from "./api/context.js";
import { functionRuntime } from "./runtime.js";

async function build() {
  const runtime = await functionRuntime("api");
  const origins = runtime.config.webOrigins;
  // CORS for the StaticSite's origin (VOS_WEB_ORIGIN): the web app is served from elsewhere.
  const auth = runtime.config.auth;
  const app = createApi({
    services: runtime.services,
    // With sign-in (the default on AWS) each caller's token names their tenant; VOS_AUTH=off
    // leaves one tenant for every caller.
    tenantOf: () => runtime.config.tenant,
    // The gateway's 6 MB event limit, after base64, caps what a picture search can carry.
    maxImageBytes: LAMBDA_MAX_IMAGE_BYTES,
    ...(auth ? { jwt: { auth } } : {}),
    ...(origins ? { corsOrigins: origins } : {}),
  });
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
