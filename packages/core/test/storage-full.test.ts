/**
 * The hostile-input catalogue, a full disk: the parts. One classifier says "storage full" for
 * every form the error takes (Node's ENOSPC and EDQUOT, PGlite's numbered errno, PostgreSQL's
 * SQLSTATE 53100, wrapped or not); the model download says it at once instead of retrying; S3's
 * "try later" answers are 503 storage.unavailable; a killed upload's temporary file goes at the
 * next start; the data-folder lock is not fooled by a zombie; sizes in messages read as sizes.
 * (End to end, with a real full disk: packages/cli/test/storage-full.e2e.test.ts.)
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { createFileBlobStore, removeStalePartials } from "../src/blob/index.js";
import { createS3BlobStore } from "../src/blob/s3.js";
import { createS3UploadTargets } from "../src/uploads/s3-multipart.js";
import { loadConfig } from "../src/config.js";
import { fetchModelFiles } from "../src/embedder/fetch.js";
import { errorMessage, formatBytes, isStorageFull, storageFull, StorageFull, VisibleError } from "../src/error.js";
import { isProcessAlive, lockDataDir, procState } from "../src/runtime/embedded/data-lock.js";
import { startEmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import { uploadErrors } from "../src/video/errors.js";
import { smallDisk } from "./support/full-disk.js";
import { startHubServer } from "./support/hub-server.js";

const scratch = await mkdtemp(path.join(tmpdir(), "vos-full-unit-"));
afterAll(async () => rm(scratch, { recursive: true, force: true }));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the storage-full classifier", () => {
  /** A real ENOSPC from the OS where there is one (/dev/full on Linux), else the same shape. */
  function osEnospc(): unknown {
    if (existsSync("/dev/full")) {
      try {
        writeFileSync("/dev/full", "x");
      } catch (error) {
        return error;
      }
    }
    return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
  }

  it("knows a full disk in every form it is thrown", () => {
    const enospc = osEnospc();
    expect((enospc as NodeJS.ErrnoException).code).toBe("ENOSPC");
    const quota = Object.assign(new Error("EDQUOT: disk quota exceeded, write"), { code: "EDQUOT" });
    const pgliteErrno = { name: "ErrnoError", errno: 51 };
    const sqlstate = Object.assign(new Error('could not extend file "base/5/16534": No space left on device'), { code: "53100" });
    const wrapped = new Error("Failed query: insert into video ...", { cause: sqlstate });
    for (const error of [enospc, quota, pgliteErrno, sqlstate, wrapped, new StorageFull("full")]) expect(isStorageFull(error), errorMessage(error)).toBe(true);
    for (const error of [new Error("boom"), Object.assign(new Error("denied"), { code: "EACCES" }), { name: "ErrnoError", errno: 2 }, { code: "23505" }, "ENOSPC", null, undefined]) {
      expect(isStorageFull(error)).toBe(false);
      expect(storageFull(error)).toBeUndefined();
    }
  });

  it("words it once: 507, transient, with the folder, its free space and what to free", () => {
    const folder = path.join(scratch, "data");
    const full = storageFull({ name: "ErrnoError", errno: 51 }, { path: folder, hint: "delete videos you no longer need" })!;
    expect(full).toBeInstanceOf(VisibleError);
    expect(full).toMatchObject({ code: "storage.full", status: 507, permanent: false });
    expect(full.message).toMatch(new RegExp(`^No space is left on the disk holding ${folder} \\(\\d+(\\.\\d)? (bytes|KB|MB|GB|TB|PB) free\\), so the write failed\\. Free space there: delete videos you no longer need, then try again`));
    // Already worded (deep in a cause chain): the same error, not a second wording.
    expect(storageFull(new Error("wrapped", { cause: full }))).toBe(full);
    const quota = storageFull(Object.assign(new Error("EDQUOT"), { code: "EDQUOT", path: path.join(folder, "x") }))!;
    expect(quota.message).toContain(`The disk quota is used up on the disk holding ${path.join(folder, "x")}`);
    // PGlite's plain-object errors no longer print as [object Object].
    expect(errorMessage({ name: "ErrnoError", errno: 51 })).toBe("ErrnoError ENOSPC");
    expect(errorMessage({ name: "ErrnoError", errno: 9999 })).toBe("ErrnoError errno 9999");
  });
});

describe("sizes in messages", () => {
  it("reads as sizes, bounded for whatever a request claims", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1023)).toBe("1023 bytes");
    expect(formatBytes(1536)).toBe("1.5 KB (1,536 bytes)");
    expect(formatBytes(5 * 1024 ** 3, { exact: false })).toBe("5.0 GB");
    expect(formatBytes(1e30)).toBe("more than 8 PB");
    expect(formatBytes(Number.NaN)).toBe("more than 8 PB");
    const mismatch = uploadErrors.sizeMismatch(1000, 1e30).message;
    expect(mismatch).toBe("Received more than 8 PB but the upload declared 1000 bytes: send the whole file again.");
    expect(mismatch).not.toMatch(/e\+/);
    // Text from a request is echoed quoted and cut short.
    const range = uploadErrors.invalidRange(`bytes ${"9".repeat(10_000)}`).message;
    expect(range.length).toBeLessThan(200);
    expect(uploadErrors.unsupportedType("text/\u0000evil").message).toContain('"text/\\u0000evil"');
  });
});

describe("the model download on a full disk", () => {
  it("says storage.full at once, naming the cache folder, instead of retrying it as a network failure", async () => {
    const source = path.join(scratch, "model");
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, "config.json"), Buffer.alloc(256 * 1024, 32));
    const hub = await startHubServer("test/tiny", ["main"], source);
    const disk = await smallDisk(path.join(scratch, "cache-disk"), 1);
    try {
      console.info(`full model cache disk: ${disk.mode}`);
      await disk.fill();
      const events: string[] = [];
      const cacheDir = path.join(disk.dir, "cache");
      const error = await fetchModelFiles({ model: "test/tiny", revision: "main", files: ["config.json"], cacheDir, endpoint: hub.endpoint, retryDelaysMs: [1, 1, 1], log: (e) => events.push(e.event) }).catch((e: unknown) => e);
      expect(error, `${disk.mode}: ${errorMessage(error)}`).toMatchObject({ code: "storage.full", status: 507 });
      expect((error as Error).message).toContain(cacheDir);
      expect(events).not.toContain("retry");
      await disk.free();
      const fetched = await fetchModelFiles({ model: "test/tiny", revision: "main", files: ["config.json"], cacheDir, endpoint: hub.endpoint });
      expect(fetched.files[0]).toMatchObject({ bytes: 256 * 1024, action: "downloaded" });
    } finally {
      await disk.close();
      await hub.close();
    }
  });
});

describe("S3 errors keep codes of their own", () => {
  const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const mock = mockClient(s3);
  afterAll(() => mock.restore());
  const slowDown = () => new S3ServiceException({ name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 }, message: "Please reduce your request rate." });

  it("answers S3's try-later failures as 503 storage.unavailable, and leaves the rest alone", async () => {
    const store = createS3BlobStore({ s3, uploadsBucket: "up", framesBucket: "frames" });
    mock.on(PutObjectCommand).rejects(slowDown());
    await expect(store.put("t/videos/v/frames/1.jpg", new Uint8Array(4))).rejects.toMatchObject({ code: "storage.unavailable", status: 503, permanent: false });
    mock.on(HeadObjectCommand).rejects(new S3ServiceException({ name: "InternalError", $fault: "server", $metadata: { httpStatusCode: 500 }, message: "We encountered an internal error." }));
    await expect(store.stat("t/videos/v/source")).rejects.toMatchObject({ code: "storage.unavailable" });
    mock.on(HeadObjectCommand).rejects(new S3ServiceException({ name: "NotFound", $fault: "client", $metadata: { httpStatusCode: 404 }, message: "Not Found" }));
    expect(await store.stat("t/videos/v/source")).toBeUndefined();
    mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "Access Denied" }));
    await expect(store.put("t/videos/v/frames/1.jpg", new Uint8Array(4))).rejects.toMatchObject({ name: "AccessDenied" });

    const uploads = createS3UploadTargets({ s3, bucket: "up" });
    mock.on(CreateMultipartUploadCommand).rejects(slowDown());
    const video = { id: "v", blobKey: "t/videos/v/source.mp4", contentType: "video/mp4", sizeBytes: 10 };
    await expect(uploads.start(video)).rejects.toMatchObject({ code: "storage.unavailable", status: 503 });
    expect(mock.commandCalls(UploadPartCommand)).toHaveLength(0);
  });
});

describe("an upload cut by kill -9", () => {
  it("leaves a temporary file that the next start removes, and nothing else is touched", async () => {
    const dataDir = path.join(scratch, "killed");
    const blobs = path.join(dataDir, "blobs");
    const store = createFileBlobStore(blobs, (key) => key);
    await store.put("local/videos/v1/source", Buffer.from("a finished file"));
    const module = new URL("../src/blob/file.ts", import.meta.url).pathname;
    // A writer that sends 64 KB and then never ends, as a client whose PUT is cut by the kill.
    const script = `
      import { Readable } from "node:stream";
      import { createFileBlobStore } from ${JSON.stringify(module)};
      setInterval(() => {}, 1000); // alive until killed, as a server is
      let sent = false;
      const body = new Readable({ read() { if (!sent) { sent = true; this.push(Buffer.alloc(65536, 7)); } } });
      await createFileBlobStore(${JSON.stringify(blobs)}, (k) => k).put("local/videos/v2/source", body);`;
    const child = spawn(process.execPath, ["--import", "tsx/esm", "--input-type=module", "-e", script], { stdio: "ignore" });
    const closed = new Promise((resolve) => child.once("close", resolve));
    const partials = async () => (await readdir(blobs, { recursive: true })).filter((name) => name.endsWith(".partial"));
    await until(async () => {
      const [found] = await partials().catch(() => []);
      return found !== undefined && readFileSync(path.join(blobs, found)).length === 65536;
    }, 20_000);
    expect(child.exitCode).toBeNull();
    child.kill("SIGKILL");
    await closed;
    expect(await partials()).toEqual([expect.stringMatching(/^local\/videos\/v2\/source\.[0-9a-f]{12}\.partial$/)]);
    expect(await store.list("local/")).toEqual(["local/videos/v1/source"]);

    // The next start (under the lock, nothing in flight) removes it; the finished file stays.
    const runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dataDir, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      expect(await partials()).toEqual([]);
      expect(await store.list("local/")).toEqual(["local/videos/v1/source"]);
      expect(readFileSync(path.join(blobs, "local/videos/v1/source"), "utf8")).toBe("a finished file");
    } finally {
      await runtime.close();
    }
    expect(await removeStalePartials(blobs)).toEqual([]);
  });
});

describe("the data-folder lock on a full disk", () => {
  it("says storage.full and leaves no empty lock file that would block the next start", async () => {
    const disk = await smallDisk(path.join(scratch, "lock-disk"), 1);
    try {
      console.info(`full lock disk: ${disk.mode}`);
      const dir = path.join(disk.dir, "data");
      await mkdir(dir);
      await disk.fill();
      expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: "storage.full", status: 507 }));
      expect(existsSync(path.join(dir, "vos.lock"))).toBe(false);
      await disk.free();
      lockDataDir(dir).release();
    } finally {
      await disk.close();
    }
  });
});

describe("the data-folder lock and a zombie holder", () => {
  it("reads the state after the last parenthesis of /proc/<pid>/stat", () => {
    expect(procState("1234 (vos) S 1 1234 1234 0 -1")).toBe("S");
    expect(procState("1234 (my (odd) name) Z 1 1234")).toBe("Z");
    expect(procState("garbage")).toBeUndefined();
  });

  it("takes over a lock whose holder exited but was not reaped, and refuses one whose holder runs", async () => {
    // The child exits after its shell became `sleep` (exec), which never waits for it: a zombie.
    const parent = spawn("sh", ["-c", "sleep 0.3 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()))));
      const dir = path.join(scratch, "locked");
      await mkdir(dir, { recursive: true });
      const holder = (pid: number) => writeFileSync(path.join(dir, "vos.lock"), JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString() }));
      if (process.platform === "linux") {
        await until(() => procState(readFileSync(`/proc/${zombie}/stat`, "utf8")) === "Z");
        expect(() => process.kill(zombie, 0)).not.toThrow(); // what the lock used to trust
      }
      expect(isProcessAlive(zombie)).toBe(process.platform !== "linux");
      expect(isProcessAlive(parent.pid!)).toBe(true);
      expect(isProcessAlive(0)).toBe(false);

      if (process.platform === "linux") {
        holder(zombie);
        lockDataDir(dir).release();
      }
      holder(parent.pid!);
      expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: "data.locked" }));
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
