import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, loadConfig } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { audioOnly, colourVideo, emptyFile, textAsMp4, truncatedMp4 } from "../../core/test/support/videos.js";
import { jsonOf, runVos } from "./support/cli.js";

interface Result {
  videoId: string | null;
  status: string;
  frames: number;
  error?: { code: string; message: string };
}

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "vos-bad-"));
  env = { VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: await testModelDir(), VOS_MAX_UPLOAD_BYTES: "30000", VOS_DETECTOR: "off" };
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

/** Every file of the data folder's blob store, relative: what a failure must not leave behind. */
async function storedFiles(): Promise<string[]> {
  const root = path.join(dataDir, "blobs");
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

describe("bad inputs get specific errors and leave nothing half-written", () => {
  it("fails each bad file with its own reason, in one ingest", async () => {
    const files = {
      text: await textAsMp4(),
      empty: await emptyFile(),
      truncated: await truncatedMp4(),
      audio: await audioOnly(),
      big: await colourVideo(),
    };
    const result = await runVos(["ingest", ...Object.values(files), "--wait", "--json"], env);
    expect(result.code).toBe(1);
    const results = jsonOf<Result[]>(result);
    const byName = Object.fromEntries(Object.keys(files).map((name, i) => [name, results[i]!]));
    expect(byName.text).toMatchObject({ status: "failed", frames: 0, error: { code: "media.not_a_video" } });
    expect(byName.empty).toMatchObject({ videoId: null, status: "failed", error: { code: "upload.empty" } });
    expect(byName.truncated).toMatchObject({ status: "failed", frames: 0, error: { code: "media.corrupt" } });
    expect(byName.audio).toMatchObject({ status: "failed", frames: 0, error: { code: "media.no_video_stream" } });
    expect(byName.big).toMatchObject({ videoId: null, status: "failed", error: { code: "upload.too_large" } });
    for (const failed of results) expect(failed.error!.message.length).toBeGreaterThan(10);

    // The failed videos are listed with their reasons; none left a file, frame or vector.
    const videos = jsonOf<{ id: string; status: string; frameCount: number; error: { code: string } }[]>(await runVos(["videos", "--json"], env));
    expect(videos.map((v) => [v.status, v.error.code]).sort()).toEqual([
      ["failed", "media.corrupt"],
      ["failed", "media.no_video_stream"],
      ["failed", "media.not_a_video"],
    ]);
    expect(await storedFiles()).toEqual([]);
    // `vos activity` lists them among the recent failures, with their reasons.
    const activity = await runVos(["activity"], env);
    expect(activity.code, activity.stderr).toBe(0);
    expect(activity.stdout).toContain("3 failed in the last day");
    for (const code of ["media.corrupt", "media.no_video_stream", "media.not_a_video"]) expect(activity.stdout).toContain(code);
    const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      for (const video of videos) {
        expect(await runtime.services.vectors.listIds("local", `${video.id}#`)).toEqual([]);
        expect(video.frameCount).toBe(0);
        // Failed at once: bad input is never retried.
        const job = (await Job.latestForVideos(runtime.services.db, [video.id])).get(video.id);
        expect(job).toMatchObject({ status: "failed", attempts: 1 });
      }
    } finally {
      await runtime.close();
    }
  });

  it("names the problem for unknown ids, missing files and bad arguments", async () => {
    const unknown = await runVos(["delete", "vid_does_not_exist"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("[video.not_found]");
    const notDead = await runVos(["redrive", "msg_does_not_exist"], env);
    expect(notDead.code).toBe(1);
    expect(notDead.stderr).toContain("[dead_letter.not_found]");
    const missing = await runVos(["ingest", path.join(dataDir, "nope.mp4"), "--json"], env);
    expect(jsonOf<Result[]>(missing)[0]).toMatchObject({ status: "failed", error: { code: "cli.file_not_found" } });
    const limit = await runVos(["search", "cat", "--limit", "0"], env);
    expect(limit.code).not.toBe(0);
    expect(limit.stderr).toContain("expected a whole number from 1 to 100");
    const nothing = await runVos(["search"], env);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("give words to search for, or --image <file>");
    const notImage = path.join(dataDir, "note.png");
    await writeFile(notImage, "not an image");
    const image = await runVos(["search", "--image", notImage], env);
    expect(image.code).toBe(1);
    expect(image.stderr).toContain("[image.invalid]");
  });

  let untouched: Promise<{ files: string[]; videos: string }> | undefined;
  it.each([
    ["search cat --bogus", 1, "error: unknown option '--bogus'"],
    ["ingest", 1, "error: missing required argument 'file-or-folder'"],
    ["label vid_x#o1.0", 1, "error: missing required argument 'label'"],
    ["videos --limit 5", 1, "error: unknown option '--limit'"],
    ["frobnicate", 1, "error: unknown command 'frobnicate'"],
    ["similar nonsense", 1, "error [object.not_found]: No object with id 'nonsense'."],
    ["retry vid_nope", 1, "error [video.not_found]: No video with id 'vid_nope'."],
  ])("answers `vos %s` with its own message and stores nothing", async (command, code, message) => {
    // What is stored before the first of these commands: none of them may change it.
    untouched ??= (async () => ({ files: await storedFiles(), videos: (await runVos(["videos", "--json"], env)).stdout }))();
    const before = await untouched;
    const result = await runVos(command.split(" "), env);
    expect({ code: result.code, first: result.stderr.split("\n")[0] }).toEqual({ code, first: message });
    expect({ files: await storedFiles(), videos: (await runVos(["videos", "--json"], env)).stdout }).toEqual(before);
  });

  it("stops on a wrong setting with a message that names it", async () => {
    const result = await runVos(["videos"], { ...env, VOS_SAMPLE_FPS: "fast" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[config.invalid]");
    expect(result.stderr).toContain("VOS_SAMPLE_FPS");
  });
});
