import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { colourVideo, textAsMp4 } from "../../core/test/support/videos.js";
import { jsonOf, runVos } from "./support/cli.js";

interface Result {
  videoId: string | null;
  status: string;
  error?: { code: string; message: string };
}

let dir: string;
let modelPath: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-cli-retry-"));
  modelPath = path.join(dir, "model");
  env = { VOS_DATA_DIR: path.join(dir, "data"), VOS_CLIP_MODEL: modelPath, VOS_DETECTOR: "off", VOS_MAX_ATTEMPTS: "1" };
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("vos retry", () => {
  it("processes a video that gave up again once the model is there, and refuses one whose upload was bad", async () => {
    const ingest = await runVos(["ingest", await colourVideo(), await textAsMp4(), "--wait", "--json"], env);
    const [video, text] = jsonOf<Result[]>(ingest);
    expect(video).toMatchObject({ status: "failed", error: { code: "job.gave_up" } });
    expect(text).toMatchObject({ status: "failed", error: { code: "media.not_a_video" } });

    await symlink(await testModelDir(), modelPath, "dir");
    const retried = await runVos(["retry", video!.videoId!, "--wait", "--json"], env);
    expect(retried.code).toBe(0);
    const shown = jsonOf<{ id: string; status: string; frameCount: number; error: unknown; job: { status: string; attempts: number } }>(retried);
    expect(shown).toMatchObject({ id: video!.videoId, status: "ready", error: null, job: { status: "succeeded", attempts: 1 } });
    expect(shown.frameCount).toBeGreaterThan(0);

    const refused = await runVos(["retry", text!.videoId!], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("[video.not_retryable]");
    expect(refused.stderr).toContain("its uploaded file was removed when it failed (media.not_a_video)");

    const unknown = await runVos(["retry", "vid_nope", "--json"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("[video.not_found]");
  });
});
