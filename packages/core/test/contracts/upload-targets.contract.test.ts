import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { createS3BlobStore } from "../../src/blob/s3.js";
import { createS3UploadTargets } from "../../src/uploads/s3-multipart.js";
import { openPglite } from "../../src/db/index.js";
import { isVisibleError } from "../../src/error.js";
import * as Video from "../../src/video/index.js";
import { startFauxqs, type Fauxqs } from "../support/fauxqs.js";
import { servicesOn } from "../support/services.js";
import { describeUploadTargetsContract } from "./upload-targets.contract.js";
import { unique } from "./support.js";

const MiB = 1024 * 1024;
let fauxqs: Fauxqs;
beforeAll(async () => {
  fauxqs = await startFauxqs();
});
afterAll(async () => fauxqs?.stop());

/**
 * Local uploads: the embedded services, with the two upload routes the target names served by
 * the same domain calls the API makes (routes/videos.ts: PUT -> Video.upload, GET ->
 * Video.received); the API's own tests cover its HTTP details.
 */
describeUploadTargetsContract("local chunked PUTs to the API, assembled into the file store", async () => {
  const tenant = "t1";
  const handle = await openPglite();
  const services = await servicesOn(handle, { maxUploadBytes: 64 * MiB });
  const { svc } = services;
  const server: Server = createServer((request, response) => {
    const id = /^\/api\/videos\/([^/]+)\/upload$/.exec(request.url ?? "")?.[1] ?? "";
    const header = (name: string) => request.headers[name] as string | undefined;
    const answer =
      request.method === "PUT"
        ? Video.upload(svc, tenant, id, request, { ...(header("content-type") ? { contentType: header("content-type") } : {}), ...(header("content-range") ? { contentRange: header("content-range") } : {}) })
        : Video.received(svc, tenant, id);
    answer.then(
      (body) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
      (error: unknown) => response.writeHead(isVisibleError(error) ? error.status : 500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    uploads: svc.uploads,
    blobs: svc.blobs,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    register: (sizeBytes) => Video.create(svc, tenant, { filename: "clip.mp4", sizeBytes, contentType: "video/mp4" }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await services.close();
      await handle.close();
    },
  };
});

describeUploadTargetsContract("S3 multipart with presigned parts on fauxqs", async () => {
  const s3 = new S3Client({ region: "us-east-1", endpoint: fauxqs.endpoint, forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const bucket = fauxqs.bucket("contract-uploads");
  return {
    uploads: createS3UploadTargets({ s3, bucket, preferredPartBytes: 5 * MiB }),
    blobs: createS3BlobStore({ s3, uploadsBucket: bucket, framesBucket: fauxqs.bucket("contract-frames") }),
    async register(sizeBytes) {
      const id = unique("vid");
      return { id, blobKey: `t1/videos/${id}/source.mp4`, contentType: "video/mp4", sizeBytes };
    },
    async close() {
      s3.destroy();
    },
  };
});
