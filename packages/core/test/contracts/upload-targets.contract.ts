/**
 * The UploadTargets contract: a client that does what its target says (`UploadTarget` in
 * uploads/upload-targets.ts) gets its file into the blob store, whole and exact, however the adapter
 * moves the bytes (local: chunked PUTs to the API, assembled by the last one; S3: presigned
 * multipart parts, assembled by `complete`). The client here is that documented client, over
 * real HTTP; each test registers a video of its own.
 *
 * What a client must do, per kind: `put`: PUT chunks of at most `chunkBytes` with a
 * Content-Range each (GET the URL to learn where to resume), nothing to send on completing;
 * `multipart`: PUT each part to its URL, keep the ETags, complete with all of them.
 *
 * Not covered here: URL expiry (S3 signs for hours; renew's fresh URLs are what a client uses
 * after); the API's own checks of a request (body limits, content types: the API's tests).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it, onTestFinished, beforeAll, afterAll } from "vitest";
import type { BlobStore } from "../../src/blob/index.js";
import type { UploadedPart, UploadSubject, UploadTarget, UploadTargets } from "../../src/uploads/index.js";
import { bytesOf } from "./support.js";

export interface UploadTargetsHarness {
  uploads: UploadTargets;
  /** Where the uploaded file ends up. */
  blobs: BlobStore;
  /** Registers a video about to be uploaded, as the API's create does. */
  register(sizeBytes: number): Promise<UploadSubject>;
  /** The origin relative target URLs are on (the local API). */
  origin?: string;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
/** Chunks this client sends to a `put` target: under `chunkBytes`, so a file takes several. */
const CLIENT_CHUNK = 4 * MiB;

/** The client `UploadTarget` documents: sends some or all of `file`, and keeps what it must. */
function client(file: Buffer, origin: string | undefined) {
  const etags = new Map<number, string>();
  const put = async (url: string, body: Buffer, headers: Record<string, string> = {}) => {
    const response = await fetch(new URL(url, origin), { method: "PUT", headers, body });
    if (!response.ok) throw new Error(`PUT answered ${response.status}: ${await response.text()}`);
    return response;
  };
  const chunks = (target: Extract<UploadTarget, { kind: "put" }>, from: number) => {
    const size = Math.min(target.chunkBytes, CLIENT_CHUNK);
    return Array.from({ length: Math.ceil((file.length - from) / size) }, (_, i) => [from + i * size, Math.min(from + (i + 1) * size, file.length) - 1] as const);
  };
  const sendChunk = (target: Extract<UploadTarget, { kind: "put" }>, [start, end]: readonly [number, number]) =>
    put(target.url, file.subarray(start, end + 1), { ...target.headers, "content-range": `bytes ${start}-${end}/${file.length}` });
  const sendPart = async (target: Extract<UploadTarget, { kind: "multipart" }>, part: { partNumber: number; url: string }) => {
    const response = await put(part.url, file.subarray((part.partNumber - 1) * target.partBytes, part.partNumber * target.partBytes));
    etags.set(part.partNumber, response.headers.get("etag")!);
  };
  return {
    /** The first chunk or part only: an upload cut short. */
    async sendFirst(target: UploadTarget) {
      if (target.kind === "put") await sendChunk(target, chunks(target, 0)[0]!);
      else await sendPart(target, target.parts[0]!);
    },
    /** Whatever has not arrived yet (`put`: from the offset the URL reports). */
    async sendRest(target: UploadTarget) {
      if (target.kind === "put") {
        const status = (await (await fetch(new URL(target.url, origin))).json()) as { received: number };
        for (const chunk of chunks(target, status.received)) await sendChunk(target, chunk);
      } else {
        for (const part of target.parts) if (!etags.has(part.partNumber)) await sendPart(target, part);
      }
    },
    /** What to complete with: the parts' ETags, or nothing for a `put` target. */
    parts(): UploadedPart[] | undefined {
      return etags.size > 0 ? [...etags].map(([partNumber, etag]) => ({ partNumber, etag })) : undefined;
    },
  };
}

export function describeUploadTargetsContract(name: string, makeAdapter: () => Promise<UploadTargetsHarness>): void {
  describe(`UploadTargets contract: ${name}`, () => {
    let harness: UploadTargetsHarness;
    beforeAll(async () => {
      harness = await makeAdapter();
    });
    afterAll(async () => harness?.close());

    async function video(sizeBytes: number) {
      const file = randomBytes(sizeBytes);
      const subject = await harness.register(file.length);
      const folder = subject.blobKey.slice(0, subject.blobKey.lastIndexOf("/") + 1);
      onTestFinished(async () => {
        await harness.blobs.deletePrefix(folder);
      });
      return { file, subject, folder, client: client(file, harness.origin) };
    }
    const stored = async (key: string) => ((await harness.blobs.stat(key)) ? bytesOf(await harness.blobs.get(key)) : undefined);

    it("gives a target a client can follow: once every byte is sent and the upload completed, the blob is the file, alone", async () => {
      const { file, subject, folder, client } = await video(11 * MiB + 123);
      const target = await harness.uploads.start(subject);
      if (target.kind === "put") {
        expect(target).toMatchObject({ method: "PUT", headers: { "content-type": subject.contentType } });
        expect(target.chunkBytes).toBeGreaterThan(0);
      } else {
        const count = target.parts.length;
        expect(target.parts.map((p) => p.partNumber)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
        expect((count - 1) * target.partBytes).toBeLessThan(file.length);
        expect(count * target.partBytes).toBeGreaterThanOrEqual(file.length);
      }
      await client.sendFirst(target);
      await client.sendRest(target);
      await harness.uploads.complete(subject, client.parts());
      expect((await stored(subject.blobKey))?.equals(file)).toBe(true);
      expect(await harness.blobs.list(folder)).toEqual([subject.blobKey]);
    });

    it("renews the same unfinished upload with fresh URLs, from which a client resumes where it stopped", async () => {
      const { file, subject, client } = await video(11 * MiB + 7);
      const target = await harness.uploads.start(subject);
      await client.sendFirst(target);
      const renewed = await harness.uploads.renew(subject);
      expect(renewed.kind).toBe(target.kind);
      if (renewed.kind === "multipart" && target.kind === "multipart") {
        expect(renewed.uploadId).toBe(target.uploadId);
        expect(renewed.parts.map((p) => p.partNumber)).toEqual(target.parts.map((p) => p.partNumber));
      }
      await client.sendRest(renewed);
      await harness.uploads.complete(subject, client.parts());
      expect((await stored(subject.blobKey))?.equals(file)).toBe(true);
    });

    it("makes no blob when completed before every byte arrived, and the upload can still be finished", async () => {
      const { file, subject, client } = await video(11 * MiB);
      const target = await harness.uploads.start(subject);
      await client.sendFirst(target);
      // S3 refuses the missing parts; the local route has nothing to assemble yet.
      await harness.uploads.complete(subject, client.parts()).catch((error: unknown) => expect(error).toMatchObject({ code: "upload.parts_mismatch" }));
      expect(await harness.blobs.stat(subject.blobKey)).toBeUndefined();
      await client.sendRest(target);
      await harness.uploads.complete(subject, client.parts());
      expect((await stored(subject.blobKey))?.equals(file)).toBe(true);
    });

    it("aborts an unfinished upload (twice is harmless): no blob, nothing left once the video's folder goes, nothing to complete", async () => {
      const { subject, folder, client } = await video(6 * MiB);
      const target = await harness.uploads.start(subject);
      await client.sendFirst(target);
      await harness.uploads.abort(subject);
      await harness.uploads.abort(subject);
      // Deleting a video aborts its upload, then deletes its folder.
      await harness.blobs.deletePrefix(folder);
      expect(await harness.blobs.list(folder)).toEqual([]);
      await harness.uploads.complete(subject, client.parts()).catch(() => {});
      expect(await harness.blobs.stat(subject.blobKey)).toBeUndefined();
    });

    it("without a started upload: renew refuses with upload.not_started or gives a target that works; abort is no error", async () => {
      const { file, subject, client } = await video(1 * MiB);
      await harness.uploads.abort(subject);
      const renewed = await harness.uploads.renew(subject).catch((error: unknown) => error);
      if (renewed instanceof Error) {
        expect(renewed).toMatchObject({ code: "upload.not_started", status: 409 });
        return;
      }
      await client.sendRest(renewed as UploadTarget);
      await harness.uploads.complete(subject, client.parts());
      expect((await stored(subject.blobKey))?.equals(file)).toBe(true);
    });
  });
}
