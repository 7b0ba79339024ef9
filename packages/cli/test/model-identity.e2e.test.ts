/**
 * Changing VOS_CLIP_MODEL, as a user would: the same model files in another folder are the same
 * model (the library stays searchable), and another model never answers a silent empty list: the
 * search says how many videos it cannot reach and which model indexed them. A vector set stored
 * before models had identities (keyed by the configured folder) is adopted, not hidden.
 */
import { cp, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SearchHit } from "@vos/contract";
import { loadConfig } from "@vos/core";
import { modelIdentity } from "@vos/core/embedder";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { colourVideo } from "../../core/test/support/videos.js";
import { jsonOf, runVos } from "./support/cli.js";

let scratch: string;
let dataDir: string;
let env: Record<string, string>;
let folderA: string;
let folderB: string;
let other: string;
let videoId: string;

const query = async <T>(runtime: { services: { db: { execute(query: unknown): Promise<unknown> } } }, text: string, ...params: string[]) =>
  ((await runtime.services.db.execute(sql.raw(params.reduce((q, p, i) => q.replace(`$${i + 1}`, `'${p.replace(/'/g, "''")}'`), text)))) as { rows: T[] }).rows;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "vos-identity-"));
  dataDir = path.join(scratch, "data");
  const model = await testModelDir();
  folderA = path.join(scratch, "models", "clip-a");
  folderB = path.join(scratch, "elsewhere", "clip-copy");
  other = path.join(scratch, "models", "clip-other");
  await cp(model, folderA, { recursive: true });
  await cp(model, folderB, { recursive: true });
  await cp(model, other, { recursive: true });
  // Another model: the same weights under another configuration (the vectors it makes may look
  // alike, but nothing says they are comparable).
  const config = JSON.parse(await readFile(path.join(other, "config.json"), "utf8")) as Record<string, unknown>;
  await writeFile(path.join(other, "config.json"), JSON.stringify({ ...config, logit_scale_init_value: 3.0 }));
  env = { VOS_DATA_DIR: dataDir, VOS_DEDUP: "false", VOS_SAMPLE_FPS: "1", VOS_DETECTOR: "off" };
});
afterAll(async () => rm(scratch, { recursive: true, force: true }));

const identityOf = (folder: string, dtype: "fp32" | "q8" = "fp32") =>
  modelIdentity({ model: folder, revision: undefined, folder, textDtype: dtype, visionDtype: dtype, cacheDir: path.join(scratch, "cache") });

describe("model identity", () => {
  it("is the files' content: one model in two folders, another for other bytes or another dtype, a hub model by its revision", async () => {
    const [a, b, c] = await Promise.all([identityOf(folderA), identityOf(folderB), identityOf(other)]);
    expect(a.key).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(b.key).toBe(a.key);
    expect(a.name).toBe("clip-a");
    expect(b.name).toBe("clip-copy");
    expect(c.key).not.toBe(a.key);
    const q8 = await identityOf(folderA, "q8");
    expect(q8.key).not.toBe(a.key);
    expect(q8.name).toBe("clip-a (q8)");
    // The digests are remembered: the same answer without reading the weights again.
    const cache = JSON.parse(await readFile(path.join(scratch, "cache", "vos-file-digests.json"), "utf8")) as Record<string, { sha256: string }>;
    expect(Object.keys(cache).filter((file) => file.startsWith(folderA)).length).toBeGreaterThanOrEqual(6);
    expect((await identityOf(folderA)).key).toBe(a.key);
    const hub = await modelIdentity({ model: "Xenova/clip-vit-base-patch32", revision: "d15189d7028b43f1d3e65039190477f6af591c2a", folder: folderA, textDtype: "fp32", visionDtype: "fp32", cacheDir: scratch });
    expect(hub).toEqual({ key: "Xenova/clip-vit-base-patch32@d15189d7028b43f1d3e65039190477f6af591c2a", name: "Xenova/clip-vit-base-patch32", aliases: ["Xenova/clip-vit-base-patch32"] });
  });
});

describe("changing VOS_CLIP_MODEL", () => {
  it("records the model a video was indexed with", async () => {
    const result = await runVos(["ingest", await colourVideo(), "--wait", "--json"], { ...env, VOS_CLIP_MODEL: folderA });
    expect(result.code, result.stderr).toBe(0);
    videoId = jsonOf<{ videoId: string; status: string }[]>(result)[0]!.videoId;
    const [video] = jsonOf<{ id: string; model: { key: string; name: string } | null }[]>(await runVos(["videos", "--json"], { ...env, VOS_CLIP_MODEL: folderA }));
    expect(video).toMatchObject({ id: videoId, model: { key: (await identityOf(folderA)).key, name: "clip-a" } });
    const table = await runVos(["videos"], { ...env, VOS_CLIP_MODEL: folderA });
    expect(table.stdout).toMatch(/model/);
    expect(table.stdout).toContain("clip-a");
  });

  it("finds the library with the same model from another folder", async () => {
    const result = await runVos(["search", "a red image", "--json"], { ...env, VOS_CLIP_MODEL: folderB });
    expect(result.code, result.stderr).toBe(0);
    const hits = jsonOf<SearchHit[]>(result);
    expect(hits[0]).toMatchObject({ videoId, kind: "frame" });
    expect(hits[0]!.start).toBeLessThan(5);
    expect(result.stderr).not.toContain("another model");
  });

  it("keeps searching with the library's model when VOS_CLIP_MODEL names another", async () => {
    const result = await runVos(["search", "a red image", "--json"], { ...env, VOS_CLIP_MODEL: other });
    expect(result.code, result.stderr).toBe(0);
    expect(jsonOf<SearchHit[]>(result)[0]).toMatchObject({ videoId, kind: "frame" });
    expect(result.stderr).not.toContain("Note:");
  });

  it("says how many videos it cannot reach when the library's model is gone, instead of answering a silent empty list", async () => {
    // The folder the library's model was recorded from (A's) moved away: the configured model answers.
    const keyA = (await identityOf(folderA)).key;
    await rename(folderA, `${folderA}-moved`);
    try {
      await searchWithoutTheLibrarysModel(keyA);
    } finally {
      await rename(`${folderA}-moved`, folderA);
    }
  });

  async function searchWithoutTheLibrarysModel(keyA: string) {
    const result = await runVos(["search", "a red image", "--json"], { ...env, VOS_CLIP_MODEL: other });
    expect(result.code, result.stderr).toBe(0);
    expect(jsonOf<SearchHit[]>(result)).toEqual([]);
    expect(result.stderr).toContain(
      "Note: 1 ready video was indexed with another model than the one answering (clip-other): clip-a (1 video). It is not searched until the library is re-indexed (vos reindex, or Re-index in the web app).",
    );
    // The API's answer carries the details.
    const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_CLIP_MODEL: other, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      const { createApi } = await import("@vos/functions/api/app");
      const app = createApi({ services: runtime.services, tenantOf: () => "local" });
      const response = await app.request("/api/search", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "a red image" }) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { hits: unknown[]; modelMismatch: unknown };
      expect(body).toMatchObject({
        hits: [],
        modelMismatch: {
          code: "search.model_mismatch",
          videos: 1,
          model: { key: (await identityOf(other)).key, name: "clip-other" },
          others: [{ key: keyA, name: "clip-a", videos: 1 }],
        },
      });
    } finally {
      await runtime.close();
    }
  }

  it("adopts vectors stored under the configured folder before models had identities", async () => {
    // A data folder as an earlier release left it: the vector table registered under the folder's path.
    const legacyData = path.join(scratch, "legacy");
    const legacyEnv = { ...env, VOS_DATA_DIR: legacyData, VOS_CLIP_MODEL: folderB };
    expect((await runVos(["ingest", await colourVideo(), "--wait", "--json"], legacyEnv)).code).toBe(0);
    const runtime = await startEmbeddedRuntime(loadConfig({ ...legacyEnv, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      await query(runtime, `UPDATE vector_index_registry SET model = $1, adopted_from = NULL`, folderB);
      await query(runtime, `UPDATE video SET model_key = NULL, model_name = NULL`);
    } finally {
      await runtime.close();
    }
    const result = await runVos(["search", "a red image", "--json"], legacyEnv);
    expect(result.code, result.stderr).toBe(0);
    expect(jsonOf<SearchHit[]>(result).length).toBeGreaterThan(0);
    const reopened = await startEmbeddedRuntime(loadConfig({ ...legacyEnv, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      const rows = await query<{ model: string; adopted_from: string }>(reopened, `SELECT model, adopted_from FROM vector_index_registry`);
      expect(rows).toEqual([{ model: (await identityOf(folderB)).key, adopted_from: folderB }]);
    } finally {
      await reopened.close();
    }
  });
});
