import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { use, type StackContext } from "sst/constructs";
import { QUERY_PICTURE_DAYS, QUERY_PICTURES_FOLDER } from "../packages/core/src/search/query-picture-retention.js";
import { Secrets } from "./Secrets.js";

/**
 * Two private buckets: `uploads` receives the videos (presigned multipart PUT straight from the
 * browser) and keeps the pictures searched for a week, `frames` receives thumbnails and object crops from the workers. Both block all public
 * access, are encrypted, refuse plain HTTP, log access to a third bucket, and abort multipart
 * uploads left unfinished for a day so abandoned parts stop costing money.
 *
 * CORS admits the web origins (`VOS_WEB_ORIGIN`, default `*`): the site's CloudFront domain is
 * only known after the Web stack exists, which itself needs these buckets through the API. A
 * presigned URL is the authorisation for each request; CORS only lets a browser use it.
 */
export function Storage({ stack, app }: StackContext) {
  const prod = app.stage === "prod";
  const { settings } = use(Secrets);
  const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

  const accessLogs = new s3.Bucket(stack, "AccessLogs", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(prod ? 365 : 30) }],
    removalPolicy,
    autoDeleteObjects: !prod,
  });
  const cors: s3.CorsRule[] = [
    {
      allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
      allowedOrigins: settings.webOrigins,
      allowedHeaders: ["*"],
      // The browser reads each part's ETag to complete a multipart upload.
      exposedHeaders: ["ETag"],
      maxAge: 3600,
    },
  ];

  const bucket = (id: string, logPrefix: string, rules: s3.LifecycleRule[] = []) =>
    new s3.Bucket(stack, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: logPrefix,
      cors,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }, ...rules],
      removalPolicy,
      autoDeleteObjects: !prod,
    });

  // The pictures people search with are kept a week after they were last sent (see core's
  // search/query-pictures.ts), so a picture search survives a reload or a shared link.
  const uploads = bucket("Uploads", "uploads/", [
    { id: "ExpireSearchPictures", prefix: `${QUERY_PICTURES_FOLDER}/`, expiration: Duration.days(QUERY_PICTURE_DAYS) },
  ]);
  // Object events go to EventBridge, where the Intake stack's rule picks the drop folder's (an S3
  // notification to its queue would make each stack depend on the other). Set on the resource:
  // CDK's `eventBridgeEnabled` does the same through a custom-resource Lambda.
  (uploads.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  const frames = bucket("Frames", "frames/");

  /**
   * Grants object actions on the two buckets, and listing when it deletes (deleting a video's
   * files lists them by prefix). Keys are made per video at run time, so object statements name
   * `<bucket>/*`.
   */
  function allow(grantee: iam.IGrantable, access: { uploads?: string[]; frames?: string[] }) {
    const principal = grantee.grantPrincipal;
    for (const [sid, bucket, actions] of [
      ["UploadsObjects", uploads, access.uploads],
      ["FramesObjects", frames, access.frames],
    ] as const) {
      if (actions?.length) principal.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions: [...actions], resources: [bucket.arnForObjects("*")] }));
    }
    principal.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "ListBuckets", actions: ["s3:ListBucket"], resources: [uploads.bucketArn, frames.bucketArn] }));
  }

  stack.addOutputs({ UploadsBucket: uploads.bucketName, FramesBucket: frames.bucketName });

  return { uploads, frames, accessLogs, allow };
}
