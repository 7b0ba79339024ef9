import { Function, Api as HttpApi, use, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { Auth } from "./Auth.js";
import { modelFunctionBundling, OFFLINE_BUNDLE_VARIABLE, refuseOversizedFunction } from "./bundling.js";
import { Database } from "./Database.js";
import { buildClipLayer, clipLayerVersion } from "./model-layer.js";
import { Jobs } from "./Jobs.js";
import { functionSuppressions, objectsOf, suppress } from "./nag.js";
import { Network } from "./Network.js";
import { runtimeEnvironment } from "./runtime.js";
import { Secrets } from "./Secrets.js";
import { Storage } from "./Storage.js";

export const API_ROUTE = "ANY /{proxy+}";
/** Routes anyone may call: liveness probes, and how the web app should sign in. */
export const OPEN_ROUTES = ["GET /api/health", "GET /api/auth"] as const;

/**
 * The HTTP API: one catch-all route to the Hono app, which owns routing, validation and the
 * OpenAPI document under /api. The gateway adds throttling, access logs and CORS: it answers
 * preflight requests itself (no Lambda invocation) for the same origins the app is given in
 * VOS_WEB_ORIGIN, and its CORS headers take the place of the app's.
 *
 * Every route but the open ones needs a token of the user pool (the gateway's authorizer); the
 * app verifies the same token again and takes the caller's tenant from it.
 */
export async function Api({ stack, app }: StackContext) {
  const prod = app.stage === "prod";
  const { settings, PINECONE_API_KEY } = use(Secrets);
  const network = use(Network);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue, deadLetters } = use(Jobs);
  const auth = use(Auth);

  // Text and picture search run CLIP in the function. A deploy ships the model (both halves, at
  // the pinned revision the worker images bake) in a layer, so no instance ever downloads it;
  // under sst dev the function runs on the developer's machine and uses its model cache. Only
  // what does not fit the layer downloads, into /tmp: another model's text tower
  // (VOS_CLIP_TEXT_MODEL), or a library's earlier model while a re-index moves the library.
  const model =
    app.mode === "deploy"
      ? await buildClipLayer({
          model: settings.clipModel,
          revision: settings.clipRevision,
          dtype: settings.apiClipDtype,
          // Another model's text tower replaces the text half; it downloads into /tmp instead.
          ...(settings.clipTextModel ? { halves: ["vision"] as const } : {}),
          root: useProject().paths.root,
          offline: process.env[OFFLINE_BUNDLE_VARIABLE] === "1",
          log: (line) => console.log(line),
        })
      : undefined;

  // One function behind every route: the catch-all needs a token, the open routes do not.
  const handler = new Function(stack, "Handler", {
    handler: "packages/functions/src/api.handler",
    // transformers.js and the native packages ship with it; the model comes with the layer.
    ...modelFunctionBundling(app.mode, model ? [(out) => refuseOversizedFunction(out, model.dir)] : []),
    ...(model ? { layers: [clipLayerVersion(stack, model, `CLIP ${settings.clipModel}@${settings.clipRevision} (${settings.apiClipDtype}) for ${settings.clipTextModel ? "picture search (its vision half)" : "text and picture search"}`)] } : {}),
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroups: [network.functionsSecurityGroup],
    timeout: 29,
    // Memory buys CPU too, which CLIP's encoders use.
    memorySize: "2 GB",
    // What the layer does not ship downloads to /tmp on first use (VOS_MODEL_DOWNLOAD_DIR): the text
    // model (539 MB at fp32, 135 MB at 8 bits), or a library's earlier text half during a re-index.
    diskSize: "2 GB",
    bind: [PINECONE_API_KEY],
    environment: {
      ...runtimeEnvironment(),
      VOS_CLIP_DTYPE: settings.apiClipDtype,
      ...model?.environment,
      VOS_MODEL_DOWNLOAD_DIR: "/tmp/vos-models",
      ...(settings.clipTextModel
        ? {
            VOS_CLIP_TEXT_MODEL: settings.clipTextModel.model,
            VOS_CLIP_TEXT_REVISION: settings.clipTextModel.revision,
            ...(settings.clipTextModel.onnxFile ? { VOS_CLIP_TEXT_ONNX: settings.clipTextModel.onnxFile } : {}),
          }
        : {}),
      VOS_WEB_ORIGIN: settings.webOrigins.join(","),
      VOS_AUTH_ISSUER: auth.issuer,
      VOS_AUTH_CLIENT_ID: auth.webClient.userPoolClientId,
    },
  });

  const api = new HttpApi(stack, "Api", {
    authorizers: {
      users: {
        type: "user_pool",
        userPool: { id: auth.userPool.userPoolId, clientIds: [auth.webClient.userPoolClientId] },
      },
    },
    cors: {
      allowOrigins: settings.webOrigins,
      allowMethods: ["ANY"],
      allowHeaders: ["content-type", "content-range", "authorization"],
      maxAge: "10 minutes",
    },
    accessLog: { retention: prod ? "one_month" : "one_week" },
    defaults: {
      authorizer: "users",
      throttle: prod ? { burst: 200, rate: 100 } : { burst: 50, rate: 25 },
    },
    routes: {
      [API_ROUTE]: handler,
      ...Object.fromEntries(OPEN_ROUTES.map((route) => [route, { function: handler, authorizer: "none" as const }])),
    },
  });

  // The open routes on purpose: a load balancer's probe and a signed-out browser call them.
  for (const key of OPEN_ROUTES) {
    const route = api.node.tryFindChild(`Route_${key.replace(" ", "_").replace(/\//g, "--")}`);
    if (!route) throw new Error(`The API has no ${key} route.`);
    suppress(route, [
      {
        id: "AwsSolutions-APIG4",
        reason: "Open on purpose: health answers liveness probes and /api/auth tells a signed-out browser how to sign in; neither reads or writes user data.",
      },
    ]);
  }
  // Presigned multipart uploads, playback and thumbnails (presigned GET), cascade delete.
  storage.allow(handler, {
    uploads: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
    frames: ["s3:GetObject", "s3:DeleteObject"],
  });
  queue.grantSendMessages(handler);
  // The Activity page lists dead letters (receiving them, made visible again at once) and a
  // redrive moves one to the jobs queue.
  deadLetters.grantConsumeMessages(handler);
  secret.grantRead(handler);
  suppress(handler, [
    ...functionSuppressions(),
    {
      id: "AwsSolutions-IAM5",
      reason: "Object keys are made per video at run time; the API reaches only the objects of the uploads and frames buckets.",
      appliesTo: [...objectsOf("Uploads"), ...objectsOf("Frames")],
    },
  ]);

  stack.addOutputs({ ApiUrl: api.url });

  return { api, handler };
}
