import { describe, expect, it } from "vitest";
import { readSettings } from "../Secrets.js";
import { webSource } from "../Web.js";

describe("deploy-time settings", () => {
  it("defaults to CLIP ViT-B/32, a 512-wide index named after the stage, and a small fleet outside prod", () => {
    expect(readSettings("dev", {})).toMatchObject({
      clipModel: "Xenova/clip-vit-base-patch32",
      embedDimension: 512,
      pineconeIndex: "vos-dev-512",
      alertEmail: "",
      webOrigin: "*",
      gpuInstanceType: "g4dn.xlarge",
      maxTasks: 2,
    });
    expect(readSettings("prod", {}).maxTasks).toBe(8);
  });

  it("derives the dimension from a known model and names the index after it", () => {
    const settings = readSettings("Feature_X", { VOS_CLIP_MODEL: "Xenova/clip-vit-large-patch14" });
    expect(settings.embedDimension).toBe(768);
    expect(settings.pineconeIndex).toBe("vos-feature-x-768");
  });

  it("needs the dimension of an unknown model", () => {
    expect(() => readSettings("dev", { VOS_CLIP_MODEL: "acme/clip-custom" })).toThrow(/VOS_EMBED_DIMENSION/);
    expect(readSettings("dev", { VOS_CLIP_MODEL: "acme/clip-custom", VOS_EMBED_DIMENSION: "1024" }).embedDimension).toBe(1024);
  });

  it("stops on a wrong value and names the setting", () => {
    expect(() => readSettings("dev", { VOS_ALERT_EMAIL: "ops" })).toThrow(/VOS_ALERT_EMAIL/);
    expect(() => readSettings("dev", { VOS_WEB_ORIGIN: "https://videos.example.com/app" })).toThrow(/VOS_WEB_ORIGIN/);
    expect(() => readSettings("dev", { VOS_MAX_TASKS: "0" })).toThrow(/VOS_MAX_TASKS/);
    expect(() => readSettings("dev", { VOS_WORKER_CPU: "lots" })).toThrow(/VOS_WORKER_CPU/);
    expect(() => readSettings("dev", { VOS_PINECONE_INDEX: "Has_Capitals" })).toThrow(/VOS_PINECONE_INDEX/);
  });

  it("builds the web UI unless told to skip it", () => {
    expect(webSource("/nowhere", {})).toEqual({ path: "packages/web", buildCommand: "npm run build", buildOutput: "dist" });
    expect(webSource("/nowhere", { VOS_SKIP_WEB_BUILD: "1" })).toEqual({ path: "stacks/web-placeholder" });
  });
});
