import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import type { FunctionProps } from "sst/constructs";
import { useProject } from "sst/project.js";
import { pruneForeignBinaries } from "../packages/core/scripts/prune-natives.js";

/**
 * Packages with native code that esbuild cannot put in a bundle: sharp (images) and
 * onnxruntime-node (CLIP, under @huggingface/transformers). Only functions that run models ship
 * them, built for Lambda's platform (linux, x64, glibc).
 */
export const NATIVE_PACKAGES = ["sharp", "onnxruntime-node"] as const;

/**
 * Left out of every function that runs no model: @vos/core loads transformers.js (and through it
 * sharp and onnxruntime-node) only when a model is first used, which these functions never do.
 */
export const MODEL_PACKAGES = [...NATIVE_PACKAGES, "@huggingface/transformers"] as const;

/**
 * Set by offline synthesis (`npm run synth`, the stack tests): functions are bundled without
 * installing the native packages, which needs the npm registry. Templates are the same either way;
 * only the function archives differ.
 */
export const OFFLINE_BUNDLE_VARIABLE = "VOS_OFFLINE_BUNDLE";

/** What a function's deploy build adds after esbuild: see `modelFunctionBundling`. */
type AfterBuild = (out: string) => void | Promise<void>;

/**
 * Bundling settings every function shares (sst.config.ts). `mode` is the app's: in `sst dev`
 * functions are built to run on the developer's machine with its own installed packages, so
 * nothing is installed or checked for Lambda's platform. Source maps are left to SST's default:
 * generated, kept out of the function (nothing to parse at cold start) and uploaded for the SST
 * Console to map stack traces.
 */
export function functionBundling(mode: string): Pick<FunctionProps, "nodejs" | "hooks"> {
  return {
    nodejs: { format: "esm", esbuild: { external: [...MODEL_PACKAGES] } },
    ...(mode === "deploy" ? { hooks: { afterBuild: async (_props, out) => refuseMissingImports(out) } } : {}),
  };
}

/**
 * Bundling of a function that runs CLIP (the API): transformers.js is bundled, the native
 * packages are installed for Lambda, and `extra` steps (packaging the model) run after that, all
 * on deploy builds only.
 */
export function modelFunctionBundling(mode: string, extra: AfterBuild[] = []): Pick<FunctionProps, "nodejs" | "hooks"> {
  return {
    nodejs: { format: "esm", esbuild: { external: [...NATIVE_PACKAGES] } },
    ...(mode === "deploy"
      ? {
          hooks: {
            afterBuild: async (_props, out) => {
              if (process.env[OFFLINE_BUNDLE_VARIABLE] !== "1") await copyNativePackages(out);
              for (const step of extra) await step(out);
              if (process.env[OFFLINE_BUNDLE_VARIABLE] !== "1") refuseMissingImports(out);
            },
          },
        }
      : {}),
  };
}

/** Lambda's limit on a function's unzipped code, its layers included. */
export const LAMBDA_UNZIPPED_LIMIT = 262_144_000;

export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Fails a deploy build that Lambda would refuse: the function and its layers over 250 MB unzipped. */
export function refuseOversizedFunction(out: string, ...layers: string[]): void {
  if (process.env[OFFLINE_BUNDLE_VARIABLE] === "1") return;
  const parts = [out, ...layers].map((dir) => ({ dir, bytes: folderBytes(dir) }));
  const total = parts.reduce((sum, part) => sum + part.bytes, 0);
  if (total > LAMBDA_UNZIPPED_LIMIT) {
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    throw new Error(
      `The function and its layers come to ${mb(total)} unzipped (${parts.map((p) => `${path.basename(p.dir)} ${mb(p.bytes)}`).join(", ")}); ` +
        `Lambda takes at most ${mb(LAMBDA_UNZIPPED_LIMIT)}. Choose smaller model files (VOS_API_CLIP_DTYPE=q8) or a smaller model.`,
    );
  }
}

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** The bare packages an ES module bundle imports when it loads (static imports only). */
export function staticImports(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(/^import\s+(?:[^"';]*?\s+from\s+)?["']([^"'./][^"']*)["'];?$/gm)) {
    const specifier = match[1]!;
    if (BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!)) continue;
    found.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
  }
  return [...found].sort();
}

/**
 * A deploy build fails when a bundle would import at load time a package the function does not
 * ship: on Lambda that is a crash at every cold start. Offline synthesis (no natives) is exempt.
 */
export function refuseMissingImports(out: string): void {
  if (process.env[OFFLINE_BUNDLE_VARIABLE] === "1") return;
  for (const file of bundleFiles(out)) {
    const missing = staticImports(fs.readFileSync(file, "utf8")).filter((name) => !fs.existsSync(path.join(out, "node_modules", name, "package.json")));
    if (missing.length > 0) {
      throw new Error(
        `${path.relative(out, file)} imports ${missing.join(", ")} when it loads, but the function does not ship ${missing.length > 1 ? "them" : "it"}: ` +
          "import it only where it is used (await import(...)), or build the function with modelFunctionBundling.",
      );
    }
  }
}

function bundleFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".mjs") && !entry.parentPath.includes(`${path.sep}node_modules`))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The version of a package the repository has installed, so Lambda runs what the tests ran. */
function installedVersion(root: string, name: string): string {
  const file = path.join(root, "node_modules", name, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * How to run npm from this process on any system: through the npm CLI script that started us
 * (`npm run`, `npx` set npm_execpath), else the `npm` command (`npm.cmd`, a batch file, on Windows).
 */
export function npmInvocation(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): { command: string; args: string[]; shell: boolean } {
  const cli = env.npm_execpath;
  if (cli && /npm-cli\.c?js$/.test(cli) && fs.existsSync(cli)) return { command: process.execPath, args: [cli], shell: false };
  return platform === "win32" ? { command: "npm.cmd", args: [], shell: true } : { command: "npm", args: [], shell: false };
}

let staged: Promise<string> | undefined;

/**
 * Installs the native packages for Lambda's platform once per deploy (and keeps them between
 * deploys, keyed by their versions) in `.sst/natives/<key>`, and copies them into a function.
 * Install scripts stay off: onnxruntime-node's only fetches CUDA, which Lambda has no use for.
 */
async function copyNativePackages(out: string): Promise<void> {
  staged ??= stageNativePackages(useProject().paths.root);
  const from = await staged;
  fs.cpSync(path.join(from, "node_modules"), path.join(out, "node_modules"), { recursive: true });
}

async function stageNativePackages(root: string): Promise<string> {
  const specs = NATIVE_PACKAGES.map((name) => `${name}@${installedVersion(root, name)}`);
  const key = createHash("sha256").update(["linux", "x64", "glibc", ...specs].join("\n")).digest("hex").slice(0, 16);
  const dir = path.join(root, ".sst", "natives", key);
  const done = path.join(dir, "complete");
  if (fs.existsSync(done)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ private: true }));
  const npm = npmInvocation();
  const installed = spawnSync(
    npm.command,
    [...npm.args, "install", "--no-save", "--no-audit", "--no-fund", "--omit=dev", "--ignore-scripts", "--os=linux", "--cpu=x64", "--libc=glibc", ...specs],
    { cwd: dir, stdio: "inherit", shell: npm.shell, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL_CUDA: "skip" } },
  );
  if (installed.error || installed.status !== 0) {
    throw new Error(`Installing ${specs.join(" ")} for Lambda (linux x64) failed${installed.error ? `: ${installed.error.message}` : ` with exit code ${installed.status}`}. The deploy needs the npm registry.`);
  }
  pruneForeignBinaries(path.join(dir, "node_modules"), { platform: "linux", arch: "x64" });
  fs.writeFileSync(done, specs.join("\n"));
  return dir;
}
