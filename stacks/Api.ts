import { Api as HttpApi, use, type StackContext } from "sst/constructs";
import { Database } from "./Database.js";
import { Jobs } from "./Jobs.js";
import { functionSuppressions, objectsOf, suppress } from "./nag.js";
import { Network } from "./Network.js";
import { runtimeEnvironment } from "./runtime.js";
import { Secrets } from "./Secrets.js";
import { Storage } from "./Storage.js";

export const API_ROUTE = "ANY /{proxy+}";

/**
 * The HTTP API: one catch-all route to the Hono app, which owns routing, validation and the
 * OpenAPI document under /api. The gateway adds throttling, access logs and CORS: it answers
 * preflight requests itself (no Lambda invocation) for the same origins the app is given in
 * VOS_WEB_ORIGIN, and its CORS headers take the place of the app's.
 */
export function Api({ stack, app }: StackContext) {
  const prod = app.stage === "prod";
  const { settings, PINECONE_API_KEY } = use(Secrets);
  const network = use(Network);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue } = use(Jobs);

  const api = new HttpApi(stack, "Api", {
    cors: {
      allowOrigins: settings.webOrigins,
      allowMethods: ["ANY"],
      allowHeaders: ["content-type", "content-range", "authorization"],
      maxAge: "10 minutes",
    },
    accessLog: { retention: prod ? "one_month" : "one_week" },
    defaults: {
      throttle: prod ? { burst: 200, rate: 100 } : { burst: 50, rate: 25 },
      function: {
        vpc: network.vpc,
        vpcSubnets: network.privateSubnets,
        securityGroups: [network.functionsSecurityGroup],
        timeout: 29,
        // Text and image search run the CLIP encoders in the function: memory buys CPU too, and
        // the downloaded model is cached under /tmp, which needs more than the default 512 MB.
        memorySize: "2 GB",
        diskSize: "2 GB",
        bind: [PINECONE_API_KEY],
        environment: { ...runtimeEnvironment(), VOS_WEB_ORIGIN: settings.webOrigins.join(",") },
      },
    },
    routes: {
      [API_ROUTE]: "packages/functions/src/api.handler",
    },
  });

  const handler = api.getFunction(API_ROUTE);
  if (!handler) throw new Error(`The API has no ${API_ROUTE} route.`);
  // Presigned multipart uploads, playback and thumbnails (presigned GET), cascade delete.
  storage.allow(handler, {
    uploads: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
    frames: ["s3:GetObject", "s3:DeleteObject"],
  });
  queue.grantSendMessages(handler);
  secret.grantRead(handler);
  suppress(handler, [
    ...functionSuppressions(),
    {
      id: "AwsSolutions-IAM5",
      reason: "Object keys are made per video at run time; the API reaches only the objects of the uploads and frames buckets.",
      appliesTo: [...objectsOf("Uploads"), ...objectsOf("Frames")],
    },
  ]);
  suppress(api, [
    {
      id: "AwsSolutions-APIG4",
      reason: "No gateway authorizer: the web UI calls this API anonymously in this release, and the Hono app resolves the caller's tenant itself (tenantOf), where an authorizer belongs.",
    },
  ]);

  stack.addOutputs({ ApiUrl: api.url });

  return { api, handler };
}
