/**
 * What the worker images install (scripts/install-deps.sh): the worker's production closure only.
 *
 * A real install takes minutes and the npm registry, so the suite checks the script's parts
 * without one: the closure its prune keeps, computed from package-lock.json (the lockfile lists
 * packages by install location, so the walk is the one the prune makes on disk); its two prune
 * commands, run as written against a made-up install; and the Dockerfiles' use of it. The whole
 * thing for real (install, sizes, forbidden packages, the worker's check mode with its baked
 * model) runs in the deploy rehearsal (`npm run rehearse`, in CI) and in
 * `node --import tsx packages/worker/scripts/measure-image.ts`.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_COMMAND } from "@vos/core/launcher";
import { afterAll, describe, expect, it } from "vitest";
import { contextCopies, isIgnored, NOT_IN_IMAGE, parseDockerfile, parseDockerignore, type Stage } from "../scripts/measure-image.js";
import { dependencyClosure, lockfileSource, pruneToClosure } from "../scripts/prune-deps.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const installScript = read("packages/worker/scripts/install-deps.sh");
const scriptLines = installScript.split("\n").filter((line) => !line.trim().startsWith("#"));
/** The packages the script's prune cuts on purpose (its `--drop` arguments). */
const dropped = [...installScript.matchAll(/--drop (\S+)/g)].map((match) => match[1]!);

/** Never in a worker image: the deploy tooling, the AWS SDK v2, the browser ONNX backend, the embedded runtime's packages. */
const FORBIDDEN = NOT_IN_IMAGE;
const nameAt = (location: string) => location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);

describe("the worker's dependency closure (from package-lock.json)", () => {
  const lockfile = JSON.parse(read("package-lock.json")) as Parameters<typeof lockfileSource>[0];
  const closure = dependencyClosure(lockfileSource(lockfile), { workspace: "packages/worker", drop: dropped, target: { platform: "linux", arch: "x64", libc: "glibc" } });
  // Workspaces carry their name in the lockfile; installed packages are named by their folder.
  const names = new Set([...closure].map((location) => lockfile.packages[location]?.name ?? nameAt(location)));

  it("has what the worker loads", () => {
    expect(dropped).toEqual(["onnxruntime-web"]);
    for (const name of ["@vos/core", "esbuild", "@esbuild/linux-x64", "tsx", "@huggingface/transformers", "onnxruntime-node", "sharp", "@img/sharp-linux-x64", "@vladmandic/human", "@tensorflow/tfjs-backend-wasm", "@aws-sdk/client-s3", "@aws-sdk/client-sqs", "@pinecone-database/pinecone", "postgres", "drizzle-orm"]) {
      expect(names, name).toContain(name);
    }
  });

  it("leaves out the deploy tooling, aws-sdk v2, onnxruntime-web, the npm ffmpeg and PGlite", () => {
    expect(FORBIDDEN.filter((name) => names.has(name))).toEqual([]);
  });

  it("leaves out packages for other systems", () => {
    expect([...names].filter((name) => /^@img\/sharp-(?!linux-x64$|libvips-linux-x64$)|^@esbuild\/(?!linux-x64$)/.test(name))).toEqual([]);
  });
});

describe("install-deps.sh", () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A made-up install: package folders with manifests, links like npm's, a few files. */
  function fakeInstall(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-prune-"));
    made.push(dir);
    const pkg = (location: string, manifest: Record<string, unknown>) => {
      fs.mkdirSync(path.join(dir, location), { recursive: true });
      fs.writeFileSync(path.join(dir, location, "package.json"), JSON.stringify({ version: "1.0.0", ...manifest }));
    };
    const link = (location: string, target: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, location)), { recursive: true });
      fs.symlinkSync(target, path.join(dir, location));
    };
    pkg("", { name: "fake-root", private: true, workspaces: ["packages/core", "packages/worker"] });
    pkg("packages/worker", { name: "@vos/worker", dependencies: { "@vos/core": "*", tsx: "*" } });
    pkg("packages/core", {
      name: "@vos/core",
      dependencies: { "@huggingface/transformers": "*", sharp: "*", "drizzle-orm": "*" },
      peerDependencies: { "@ffmpeg-installer/ffmpeg": "*" },
      peerDependenciesMeta: { "@ffmpeg-installer/ffmpeg": { optional: true } },
    });
    // The prune commands run copies of the repository's scripts, with its tsx.
    for (const script of ["packages/worker/scripts/prune-deps.ts", "packages/core/scripts/prune-natives.ts"]) {
      fs.mkdirSync(path.dirname(path.join(dir, script)), { recursive: true });
      fs.copyFileSync(path.join(root, script), path.join(dir, script));
    }
    link("node_modules/tsx", path.join(root, "node_modules/tsx"));
    link("node_modules/@vos/core", "../../packages/core");
    link("node_modules/@vos/worker", "../../packages/worker");
    pkg("node_modules/@huggingface/transformers", { name: "@huggingface/transformers", dependencies: { "onnxruntime-node": "*", "onnxruntime-web": "*", sharp: "*" } });
    pkg("node_modules/onnxruntime-node", { name: "onnxruntime-node", dependencies: { "onnxruntime-common": "*" } });
    for (const system of ["linux/x64", "linux/arm64", "darwin/x64", "darwin/arm64", "win32/x64", "win32/arm64"]) {
      fs.mkdirSync(path.join(dir, "node_modules/onnxruntime-node/bin/napi-v6", system), { recursive: true });
      fs.writeFileSync(path.join(dir, "node_modules/onnxruntime-node/bin/napi-v6", system, "onnxruntime_binding.node"), "binary");
    }
    pkg("node_modules/onnxruntime-common", { name: "onnxruntime-common" });
    // Only the dropped package needs these.
    pkg("node_modules/onnxruntime-web", { name: "onnxruntime-web", dependencies: { protobufjs: "*" } });
    pkg("node_modules/protobufjs", { name: "protobufjs" });
    pkg("node_modules/sharp", {
      name: "sharp",
      dependencies: { "detect-libc": "*" },
      optionalDependencies: { "@img/sharp-linux-x64": "*", "@img/sharp-linuxmusl-x64": "*", "@img/sharp-darwin-arm64": "*" },
    });
    pkg("node_modules/sharp/node_modules/detect-libc", { name: "detect-libc" });
    pkg("node_modules/@img/sharp-linux-x64", { name: "@img/sharp-linux-x64", os: ["linux"], cpu: ["x64"], libc: ["glibc"] });
    pkg("node_modules/@img/sharp-linuxmusl-x64", { name: "@img/sharp-linuxmusl-x64", os: ["linux"], cpu: ["x64"], libc: ["musl"] });
    pkg("node_modules/@img/sharp-darwin-arm64", { name: "@img/sharp-darwin-arm64", os: ["darwin"], cpu: ["arm64"] });
    // Optional peers (npm ci --workspace installs them anyway) and leftovers of other workspaces.
    pkg("node_modules/drizzle-orm", { name: "drizzle-orm", peerDependencies: { kysely: "*" }, peerDependenciesMeta: { kysely: { optional: true } } });
    pkg("node_modules/kysely", { name: "kysely" });
    pkg("node_modules/@ffmpeg-installer/ffmpeg", { name: "@ffmpeg-installer/ffmpeg" });
    pkg("node_modules/aws-cdk-lib", { name: "aws-cdk-lib" });
    pkg("node_modules/aws-cdk-lib/node_modules/minimatch", { name: "minimatch" });
    pkg("node_modules/sst", { name: "sst", bin: { sst: "bin.js" } });
    link("node_modules/.bin/sst", "../sst/bin.js");
    fs.writeFileSync(path.join(dir, "node_modules/sst/bin.js"), "");
    fs.writeFileSync(path.join(dir, "node_modules/.package-lock.json"), "{}");
    return dir;
  }

  const installed = (dir: string) =>
    ["", "@img/", "@vos/", "@huggingface/", "@ffmpeg-installer/"].flatMap((scope) =>
      fs.existsSync(path.join(dir, "node_modules", scope)) ? fs.readdirSync(path.join(dir, "node_modules", scope)).filter((name) => !name.startsWith(".") && !name.startsWith("@")).map((name) => scope + name) : [],
    );

  it.runIf(process.platform === "linux" && process.arch === "x64")("its prune commands, as written, keep the closure and linux/x64 binaries only", () => {
    const dir = fakeInstall();
    const commands = scriptLines.filter((line) => line.startsWith("node --import tsx"));
    expect(commands.map((line) => line.split(" ")[3])).toEqual(["packages/worker/scripts/prune-deps.ts", "packages/core/scripts/prune-natives.ts"]);
    for (const command of commands) execFileSync("sh", ["-c", command], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: os.homedir() }, stdio: "pipe" });

    expect(installed(dir).sort()).toEqual(
      ["@huggingface/transformers", "@img/sharp-linux-x64", "@vos/core", "@vos/worker", "drizzle-orm", "onnxruntime-common", "onnxruntime-node", "sharp", "tsx"].sort(),
    );
    expect(fs.existsSync(path.join(dir, "node_modules/sharp/node_modules/detect-libc/package.json"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "node_modules/aws-cdk-lib"))).toBe(false);
    // Links and npm's lockfile copy that named removed packages are gone; the workspaces are untouched.
    expect(fs.existsSync(path.join(dir, "node_modules/.bin/sst"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "node_modules/.package-lock.json"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "packages/core/package.json"))).toBe(true);
    expect(fs.existsSync(path.join(root, "node_modules/tsx/package.json"))).toBe(true);

    const systems = (base: string): string[] =>
      fs.readdirSync(base, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? systems(path.join(base, entry.name)).map((sub) => `${entry.name}/${sub}`) : [entry.name]));
    expect(systems(path.join(dir, "node_modules/onnxruntime-node/bin"))).toEqual(["napi-v6/linux/x64/onnxruntime_binding.node"]);
  });

  it("a required dependency that is not installed fails the prune, and nothing is removed", () => {
    const dir = fakeInstall();
    fs.rmSync(path.join(dir, "node_modules/onnxruntime-common"), { recursive: true });
    expect(() => pruneToClosure(dir, { workspace: "packages/worker", drop: dropped })).toThrow(/not installed: onnxruntime-common \(needed by node_modules\/onnxruntime-node\)/);
    expect(fs.existsSync(path.join(dir, "node_modules/aws-cdk-lib"))).toBe(true);
  });

  it("installs only the worker workspace, production dependencies, no install scripts; --cuda adds ONNX Runtime's CUDA provider", () => {
    const npm = scriptLines.find((line) => line.startsWith("npm "));
    expect(npm).toMatch(/^npm ci /);
    for (const flag of ["--omit=dev", "--ignore-scripts", "--workspace @vos/worker", "--include-workspace-root=false"]) expect(npm).toContain(flag);
    expect(installScript).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
  });
});

describe("the worker Dockerfiles", () => {
  const rules = parseDockerignore(read(".dockerignore"));
  const dockerfiles = [
    { file: "packages/worker/Dockerfile", install: "sh packages/worker/scripts/install-deps.sh", device: "cpu" },
    { file: "packages/worker/Dockerfile.gpu", install: "sh packages/worker/scripts/install-deps.sh --cuda", device: "auto" },
  ];

  it.each(dockerfiles)("$file installs with install-deps.sh and ships what it installed", ({ file, install, device }) => {
    const { stages } = parseDockerfile(read(file));
    const runs = (stage: Stage) => stage.instructions.filter((i) => i.op === "RUN").map((i) => i.args);
    const deps = stages.find((stage) => runs(stage).includes(install));
    expect(deps?.name).toBe("deps");
    // Nothing else installs packages.
    for (const stage of stages) for (const command of runs(stage)) expect(command).not.toMatch(/\bnpm (ci|install|i)\b/);
    // The stage copies every file the script runs, and every workspace manifest (npm ci checks them all).
    const copied = contextCopies(deps!).flatMap((copy) => copy.sources);
    const used = [...installScript.matchAll(/(packages\/\S+\.ts)/g)].map((match) => match[1]!);
    const workspaces = (JSON.parse(read("package.json")) as { workspaces: string[] }).workspaces.map((workspace) => `${workspace}/package.json`);
    for (const needed of [...used, ...workspaces, "package.json", "package-lock.json"]) expect(copied, needed).toContain(needed);
    for (const source of copied) expect(isIgnored(rules, source), source).toBe(false);

    const final = stages.at(-1)!;
    const args = final.instructions.map((i) => `${i.op} ${i.args}`);
    expect(args).toContain("COPY --from=deps /app/ ./");
    expect(args.find((line) => line.startsWith("ENV "))).toContain(`VOS_CLIP_DEVICE=${device}`);
    // The entry is bundled as root, before the image's user (who cannot write node_modules) checks
    // it and tasks start from it; the CMD is the command every other worker starts with.
    const bundle = args.indexOf("RUN node packages/core/bin/bundle.js packages/worker/src/main.ts");
    const user = args.indexOf("USER node");
    const check = args.indexOf("RUN VOS_WORKER_CHECK=1 VOS_MODEL_DOWNLOAD=off node packages/core/bin/run.js packages/worker/src/main.ts");
    expect(args.findLastIndex((line) => line.startsWith("COPY "))).toBeLessThan(bundle);
    expect(bundle).toBeLessThan(user);
    expect(user).toBeLessThan(check);
    const cmd = args.at(-1)!;
    expect(cmd.startsWith("CMD ")).toBe(true);
    expect(JSON.parse(cmd.slice("CMD ".length))).toEqual(["node", ...WORKER_COMMAND.slice(1)]);
  });

  it("build from a context that has the sources and manifests, without other workspaces' sources", () => {
    for (const kept of ["package.json", "package-lock.json", "tsconfig.json", "packages/core/src/index.ts", "packages/core/bin/bundle.js", "packages/core/bin/run.js", "packages/worker/src/main.ts", "packages/worker/scripts/install-deps.sh", "packages/functions/package.json", "packages/cli/package.json", "packages/web/package.json"]) {
      expect(isIgnored(rules, kept), kept).toBe(false);
    }
    for (const left of ["node_modules/sst/package.json", "rehearsal/run.ts", "scripts/x.ts", "packages/core/node_modules/x/package.json", "packages/core/test/a.test.ts", "packages/functions/src/api.ts", "packages/cli/bin/vos.js", "packages/web/src/main.tsx", ".env", ".env.local", "stacks/Workers.ts", ".vos/db"]) {
      expect(isIgnored(rules, left), left).toBe(true);
    }
  });
});
