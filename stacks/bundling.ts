import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { FunctionProps } from "sst/constructs";
import { useProject } from "sst/project.js";

/**
 * Packages with native code that esbuild cannot put in a bundle. @vos/core loads them (sharp for
 * images, onnxruntime-node under @huggingface/transformers for CLIP), so each function ships them
 * in its own node_modules, built for Lambda (linux, x64, glibc).
 */
export const NATIVE_PACKAGES = ["sharp", "onnxruntime-node"] as const;

/**
 * Set by offline synthesis (`npm run synth`, the stack tests): functions are bundled without
 * installing the native packages, which needs the npm registry. Templates are the same either way;
 * only the function archives differ.
 */
export const OFFLINE_BUNDLE_VARIABLE = "VOS_OFFLINE_BUNDLE";

/** The version of a package the repository has installed, so Lambda runs what the tests ran. */
function installedVersion(root: string, name: string): string {
  const file = path.join(root, "node_modules", name, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * onnxruntime-node ships its binaries for every platform (close to 300 MB, over Lambda's 250 MB
 * limit for an unzipped function); Lambda needs only linux/x64. Returns the folders removed.
 */
export function pruneForeignBinaries(nodeModules: string): string[] {
  const removed: string[] = [];
  const bin = path.join(nodeModules, "onnxruntime-node", "bin");
  if (!fs.existsSync(bin)) return removed;
  for (const napi of fs.readdirSync(bin)) {
    for (const platform of fs.readdirSync(path.join(bin, napi))) {
      const platformDir = path.join(bin, napi, platform);
      const foreign = platform === "linux" ? fs.readdirSync(platformDir).filter((arch) => arch !== "x64").map((arch) => path.join(platformDir, arch)) : [platformDir];
      for (const dir of foreign) {
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(path.relative(nodeModules, dir));
      }
    }
  }
  return removed;
}

/**
 * After SST has bundled a function into `out`, installs the native packages for Lambda's platform
 * at the repository's versions (install scripts off: onnxruntime-node's only fetches CUDA, which
 * Lambda has no use for) and drops the binaries of other platforms.
 */
async function installNativePackages(_props: FunctionProps, out: string): Promise<void> {
  if (process.env[OFFLINE_BUNDLE_VARIABLE] === "1") return;
  const root = useProject().paths.root;
  const specs = NATIVE_PACKAGES.map((name) => `${name}@${installedVersion(root, name)}`);
  execFileSync(
    "npm",
    ["install", "--no-save", "--no-audit", "--no-fund", "--omit=dev", "--ignore-scripts", "--os=linux", "--cpu=x64", "--libc=glibc", ...specs],
    { cwd: out, stdio: "inherit", env: { ...process.env, ONNXRUNTIME_NODE_INSTALL_CUDA: "skip" } },
  );
  pruneForeignBinaries(path.join(out, "node_modules"));
}

/** Bundling settings every function of the app shares (see sst.config.ts). */
export function functionBundling(): Pick<FunctionProps, "nodejs" | "hooks"> {
  return {
    nodejs: {
      format: "esm",
      // Source maps ship inside each bundle so stack traces point at the TypeScript sources.
      sourcemap: true,
      esbuild: { external: [...NATIVE_PACKAGES] },
    },
    hooks: { afterBuild: installNativePackages },
  };
}
