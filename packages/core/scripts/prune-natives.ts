/**
 * onnxruntime-node ships its binaries for every platform (close to 300 MB); a Lambda function or
 * a worker image needs only one. `pruneForeignBinaries` removes the others from a node_modules
 * folder and returns what it removed. Used by the function bundling (stacks/bundling.ts) and the
 * worker images:
 *
 *   node --import tsx packages/core/scripts/prune-natives.ts <node_modules> [--arch x64]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function pruneForeignBinaries(nodeModules: string, target: { platform?: string; arch?: string } = {}): string[] {
  const platform = target.platform ?? "linux";
  const arch = target.arch ?? "x64";
  const removed: string[] = [];
  const bin = path.join(nodeModules, "onnxruntime-node", "bin");
  if (!fs.existsSync(bin)) return removed;
  for (const napi of fs.readdirSync(bin)) {
    for (const os of fs.readdirSync(path.join(bin, napi))) {
      const osDir = path.join(bin, napi, os);
      const foreign = os === platform ? fs.readdirSync(osDir).filter((a) => a !== arch).map((a) => path.join(osDir, a)) : [osDir];
      for (const dir of foreign) {
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(path.relative(nodeModules, dir));
      }
    }
  }
  return removed;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [nodeModules, ...rest] = process.argv.slice(2);
  if (!nodeModules) {
    console.error("usage: prune-natives.ts <node_modules> [--arch x64|arm64]");
    process.exit(2);
  }
  const archIndex = rest.indexOf("--arch");
  const removed = pruneForeignBinaries(path.resolve(nodeModules), archIndex >= 0 ? { arch: rest[archIndex + 1] } : {});
  console.log(`removed ${removed.length} foreign onnxruntime-node binary folder(s)${removed.length ? `: ${removed.join(", ")}` : ""}`);
}
