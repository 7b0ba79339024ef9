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
 * The HTTP API: one catch-all route to the Hono app, which owns routing, validation, CORS
 * (from VOS_WEB_ORIGIN) and the OpenAPI document under /api. The gateway adds throttling and
 * access logs only, so CORS is answered by the app, never twice.
 */
export function Api({ stack, app }: StackContext) {
  const prod = app.stage === "prod";
  const { settings, PINECONE_API_KEY } = use(Secrets);
  const network = use(Network);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue } = use(Jobs);

  const api = new HttpApi(stack, "Api", {
    cors: false,
    accessLog: { retention: prod ? "one_month" : "one_week" },
    defaults: {
      throttle: prod ? { burst: 200, rate: 100 } : { burst: 50, rate: 25 },
      function: {
        vpc: network.vpc,
        vpcSubnets: network.privateSubnets,
        securityGroups: [network.functionsSecurityGroup],
        timeout: 29,
        memorySize: 1024,
        bind: [PINECONE_API_KEY],
        environment: { ...runtimeEnvironment(), VOS_WEB_ORIGIN: settings.webOrigin },
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
