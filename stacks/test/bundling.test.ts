import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pruneForeignBinaries } from "../bundling.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Lays out onnxruntime-node's bin folder the way its npm package does. */
function fakeOnnxruntime(platforms: Record<string, string[]>) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-bundle-"));
  const nodeModules = path.join(dir, "node_modules");
  for (const [platform, archs] of Object.entries(platforms)) {
    for (const arch of archs) {
      const target = path.join(nodeModules, "onnxruntime-node/bin/napi-v6", platform, arch);
      fs.mkdirSync(target, { recursive: true });
      fs.writeFileSync(path.join(target, "onnxruntime_binding.node"), "binary");
    }
  }
  return nodeModules;
}

describe("pruneForeignBinaries", () => {
  it("keeps only the linux x64 binaries Lambda can load", () => {
    const nodeModules = fakeOnnxruntime({ linux: ["x64", "arm64"], darwin: ["x64", "arm64"], win32: ["x64"] });
    const removed = pruneForeignBinaries(nodeModules);
    expect(removed.sort()).toEqual(
      ["onnxruntime-node/bin/napi-v6/darwin", "onnxruntime-node/bin/napi-v6/linux/arm64", "onnxruntime-node/bin/napi-v6/win32"].map((p) => p.split("/").join(path.sep)),
    );
    const bin = path.join(nodeModules, "onnxruntime-node/bin/napi-v6");
    expect(fs.readdirSync(bin)).toEqual(["linux"]);
    expect(fs.existsSync(path.join(bin, "linux/x64/onnxruntime_binding.node"))).toBe(true);
  });

  it("does nothing where onnxruntime-node is not installed", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-bundle-"));
    expect(pruneForeignBinaries(path.join(dir, "node_modules"))).toEqual([]);
  });
});
