import fs from "node:fs";
import path from "node:path";
import * as s3 from "aws-cdk-lib/aws-s3";
import { StaticSite, use, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { Api } from "./Api.js";
import { NagSuppressions } from "cdk-nag";
import { suppress } from "./nag.js";
import { Storage } from "./Storage.js";

/**
 * How the web UI is packaged. Normally SST runs `npm run build:site` in packages/web with the
 * API's URL in VITE_API_URL, into dist-site/ (dist/ stays the local build `vos serve` serves). With VOS_SKIP_WEB_BUILD=1 (offline synth) nothing is built:
 * an existing packages/web/dist is used as it is, else a one-page placeholder.
 * VOS_SKIP_WEB_BUILD=placeholder always takes the placeholder (stack tests, the deploy rehearsal:
 * they may run while a test builds packages/web/dist).
 */
export function webSource(root: string, env: NodeJS.ProcessEnv = process.env) {
  const setting = (env.VOS_SKIP_WEB_BUILD ?? "").toLowerCase();
  if (setting === "placeholder") return { path: "stacks/web-placeholder" } as const;
  const skip = ["1", "true", "yes"].includes(setting);
  if (!skip) return { path: "packages/web", buildCommand: "npm run build:site", buildOutput: "dist-site" } as const;
  const built = path.join(root, "packages/web/dist/index.html");
  return { path: fs.existsSync(built) ? "packages/web/dist" : "stacks/web-placeholder" } as const;
}

/** The web UI on S3 + CloudFront, built with the API's URL baked in. */
export function Web({ stack }: StackContext) {
  const { api } = use(Api);
  const { accessLogs } = use(Storage);

  const site = new StaticSite(stack, "Site", {
    ...webSource(useProject().paths.root),
    environment: { VITE_API_URL: api.url },
    // Keep SST's generated env typings out of the web package's sources.
    vite: { types: "node_modules/.sst/sst-env.d.ts" },
    cdk: {
      bucket: {
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: "web/",
      },
      distribution: {
        enableLogging: true,
        logBucket: accessLogs,
        logFilePrefix: "cloudfront/",
      },
    },
  });

  // SST adds the uploader's policy while it packages the site, after this function returns, so
  // the suppression is recorded on the stack, narrowed to those two resources.
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: "AwsSolutions-IAM5",
      reason: "SST's site uploader copies the build from the CDK assets bucket into the site bucket: it touches objects of those two buckets only.",
      appliesTo: [
        { regex: "/^Resource::<SiteS3Bucket[0-9A-F]{8}\\.Arn>\\/\\*$/g" },
        { regex: "/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-.+\\/\\*$/g" },
      ],
    },
  ]);
  if (site.cdk) {
    suppress(site.cdk.distribution, [
      { id: "AwsSolutions-CFR1", reason: "The UI is meant to be reachable from every country; the data behind it is protected by the API, not by geography." },
      { id: "AwsSolutions-CFR2", reason: "Static files only; WAF (about $5/month plus per-request fees) belongs in front of the API first, and is left to operators who need it." },
      { id: "AwsSolutions-CFR4", reason: "The default *.cloudfront.net certificate fixes the minimum TLS version; set a custom domain with a TLSv1.2_2021 policy to raise it." },
      { id: "AwsSolutions-CFR7", reason: "SST 2's StaticSite reaches its private bucket through an origin access identity; the bucket still blocks all public access." },
    ]);
  }

  stack.addOutputs({ WebUrl: site.url });

  return { site };
}
