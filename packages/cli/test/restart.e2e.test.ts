import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Frame, Job, loadConfig, Video } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { syntheticVideo } from "../../core/test/support/videos.js";
import { spawnVos } from "./support/cli.js";

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "vos-restart-"));
  // 40 s at 2 frames a second with nothing dropped: exactly 80 frames, committed 2 at a time.
  env = {
    VOS_DATA_DIR: dataDir,
    VOS_CLIP_MODEL: await testModelDir(),
    VOS_SAMPLE_FPS: "2",
    VOS_SCENE_THRESHOLD: "0",
    VOS_DEDUP: "false",
    VOS_EMBED_BATCH: "2",
    VOS_LOG_LEVEL: "debug",
    VOS_DETECTOR: "off",
  };
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe("a killed ingest resumes after a restart", () => {
  it("completes with the same frames and no duplicate vectors", async () => {
    const file = await syntheticVideo({ seconds: 40, width: 320, height: 240, fps: 30 });
    const child = spawnVos(["ingest", file, "--wait", "--json"], env);
    let committed = 0;
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress to interrupt:\n${log}`)), 60_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        committed = (log.match(/"msg":"batch committed"/g) ?? []).length;
        if (committed >= 3) {
          clearTimeout(timer);
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => reject(new Error(`ingest ended before it could be killed:\n${log}`)));
    });
    await new Promise((resolve) => child.once("close", resolve));

    const config = loadConfig({ ...env, VOS_LOG_LEVEL: "warn" });
    // Look at what the killed process left: a running job part-way through.
    let runtime = await startEmbeddedRuntime(config, { workers: false });
    const [video] = await Video.list(runtime.services, "local");
    const before = (await Job.latestForVideos(runtime.services.db, [video!.id])).get(video!.id)!;
    expect(before).toMatchObject({ status: "running", attempts: 1 });
    expect(before.checkpoint).toBeGreaterThanOrEqual(2); // three batches of one or more frames
    expect(before.checkpoint).toBeLessThan(79);
    await runtime.close();

    // Start again: the job resumes from its checkpoint and finishes.
    runtime = await startEmbeddedRuntime(config);
    try {
      let current = await Video.get(runtime.services, "local", video!.id);
      for (let i = 0; i < 300 && current.status !== "ready" && current.status !== "failed"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        current = await Video.get(runtime.services, "local", video!.id);
      }
      expect(current).toMatchObject({ status: "ready", frameCount: 80, job: { status: "succeeded", attempts: 2 } });
      const frames = await Frame.listForVideo(runtime.services.db, video!.id);
      expect(frames.map((f) => f.frameNo)).toEqual(Array.from({ length: 80 }, (_, i) => i));
      frames.forEach((frame, i) => expect(frame.timeSec).toBeCloseTo(i * 0.5, 1));
      const ids = await runtime.services.vectors.listIds("local", `${video!.id}#`);
      expect(ids).toHaveLength(80);
      expect(new Set(ids)).toEqual(new Set(frames.map((f) => `${video!.id}#f${f.frameNo}`)));
    } finally {
      await runtime.close();
    }
  });
});
