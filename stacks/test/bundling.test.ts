import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pruneForeignBinaries } from "../../packages/core/scripts/prune-natives.js";
import { functionBundling, modelFunctionBundling, npmInvocation, OFFLINE_BUNDLE_VARIABLE, refuseMissingImports, staticImports } from "../bundling.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const tempDir = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-bundle-")));

/** Lays out onnxruntime-node's bin folder the way its npm package does. */
function fakeOnnxruntime(platforms: Record<string, string[]>) {
  const nodeModules = path.join(tempDir(), "node_modules");
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

  it("keeps another architecture when asked (an arm64 image)", () => {
    const nodeModules = fakeOnnxruntime({ linux: ["x64", "arm64"] });
    pruneForeignBinaries(nodeModules, { arch: "arm64" });
    expect(fs.readdirSync(path.join(nodeModules, "onnxruntime-node/bin/napi-v6/linux"))).toEqual(["arm64"]);
  });

  it("does nothing where onnxruntime-node is not installed", () => {
    expect(pruneForeignBinaries(path.join(tempDir(), "node_modules"))).toEqual([]);
  });
});

describe("what a function imports when it loads", () => {
  it("lists the bare packages of static imports, not builtins, relative files or dynamic imports", () => {
    const source = [
      'import { createRequire } from "module";',
      'import fs5 from "node:fs";',
      'import sharp from "sharp";',
      'import { S3Client } from "@aws-sdk/client-s3";',
      'import "side-effect-only";',
      'import * as ort from "onnxruntime-node/dist/index.js";',
      'import local from "./chunk.mjs";',
      'const later = await import("@huggingface/transformers");',
      '  import nested from "not-at-line-start";',
    ].join("\n");
    expect(staticImports(source)).toEqual(["@aws-sdk/client-s3", "onnxruntime-node", "sharp", "side-effect-only"]);
  });

  it("fails a deploy build whose bundle imports a package the function does not ship", () => {
    const out = tempDir();
    fs.mkdirSync(path.join(out, "packages/functions/src"), { recursive: true });
    fs.writeFileSync(path.join(out, "packages/functions/src/dispatch.mjs"), 'import fs from "fs";\nimport sharp from "sharp";\nexport const handler = () => sharp;\n');
    const previous = process.env[OFFLINE_BUNDLE_VARIABLE];
    delete process.env[OFFLINE_BUNDLE_VARIABLE];
    try {
      expect(() => refuseMissingImports(out)).toThrow(/dispatch\.mjs imports sharp when it loads, but the function does not ship it/);
      // Shipped: the same bundle passes.
      fs.mkdirSync(path.join(out, "node_modules/sharp"), { recursive: true });
      fs.writeFileSync(path.join(out, "node_modules/sharp/package.json"), "{}");
      expect(() => refuseMissingImports(out)).not.toThrow();
    } finally {
      if (previous === undefined) delete process.env[OFFLINE_BUNDLE_VARIABLE];
      else process.env[OFFLINE_BUNDLE_VARIABLE] = previous;
    }
  });
});

describe("bundling settings", () => {
  it("installs nothing and checks nothing in sst dev: functions run with the developer's own packages", () => {
    expect(functionBundling("dev").hooks).toBeUndefined();
    expect(modelFunctionBundling("dev").hooks).toBeUndefined();
    expect(functionBundling("deploy").hooks?.afterBuild).toBeTypeOf("function");
    expect(modelFunctionBundling("deploy").hooks?.afterBuild).toBeTypeOf("function");
  });

  it("leaves transformers.js and the native packages out of functions that run no model", () => {
    expect(functionBundling("deploy").nodejs?.esbuild?.external).toEqual(["sharp", "onnxruntime-node", "@huggingface/transformers"]);
    expect(modelFunctionBundling("deploy").nodejs?.esbuild?.external).toEqual(["sharp", "onnxruntime-node"]);
  });

  it("keeps SST's source map handling: maps stay out of the function", () => {
    expect(functionBundling("deploy").nodejs).not.toHaveProperty("sourcemap");
    expect(modelFunctionBundling("deploy").nodejs).not.toHaveProperty("sourcemap");
  });
});

describe("npmInvocation", () => {
  it("runs the npm CLI script that started the process, through node", () => {
    const cli = path.join(tempDir(), "npm-cli.js");
    fs.writeFileSync(cli, "");
    expect(npmInvocation({ npm_execpath: cli }, "win32")).toEqual({ command: process.execPath, args: [cli], shell: false });
  });

  it("falls back to npm.cmd through a shell on Windows and npm elsewhere", () => {
    expect(npmInvocation({}, "win32")).toEqual({ command: "npm.cmd", args: [], shell: true });
    expect(npmInvocation({}, "darwin")).toEqual({ command: "npm", args: [], shell: false });
    // Another package manager's script is not npm's.
    expect(npmInvocation({ npm_execpath: "/usr/lib/node_modules/pnpm/bin/pnpm.cjs" }, "linux")).toEqual({ command: "npm", args: [], shell: false });
  });
});
