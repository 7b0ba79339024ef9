import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { createFileBlobStore } from "../../src/blob/index.js";
import { createS3BlobStore } from "../../src/blob/s3.js";
import { fileUrl } from "../../src/runtime/embedded/embedded.js";
import { startFauxqs, type Fauxqs } from "../support/fauxqs.js";
import { describeBlobStoreContract } from "./blob-store.contract.js";

let fauxqs: Fauxqs;
beforeAll(async () => {
  fauxqs = await startFauxqs();
});
afterAll(async () => fauxqs?.stop());

describeBlobStoreContract("file store in a temporary folder", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "vos-blob-contract-"));
  return {
    store: createFileBlobStore(dir, fileUrl),
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

describeBlobStoreContract("S3 (two buckets) on fauxqs", async () => {
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: fauxqs.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  return {
    store: createS3BlobStore({ s3, uploadsBucket: fauxqs.bucket("contract-uploads"), framesBucket: fauxqs.bucket("contract-frames") }),
    fetchUrl: (url) => fetch(url),
    async close() {
      s3.destroy();
    },
  };
});
