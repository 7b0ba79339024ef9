/**
 * What a worker image installs, measured without Docker:
 *
 *   node --import tsx packages/worker/scripts/measure-image.ts [--dockerfile packages/worker/Dockerfile] [--top 25] [--no-check] [--keep]
 *
 * Reads the Dockerfile: copies what its install stage copies from the build context (.dockerignore
 * applied) into a temporary folder outside the repository, runs that stage's RUN there (it calls
 * scripts/install-deps.sh), and measures the node_modules folders. Then it copies what the final
 * stage copies from the context, runs the final stage's build steps that need only Node (its RUN
 * lines that start with `node`: the entry's bundle), and starts the final stage's CMD with
 * VOS_WORKER_CHECK=1 and the stage's ENV: the worker loads every module, ffmpeg and the models and exits 0, so a dependency
 * the install left out fails here. Prints one JSON object; exits 1 when the check fails.
 *
 * The models come from VOS_CLIP_MODEL / VOS_MODEL_CACHE when set, else the generated test CLIP
 * model (npm run models:test); ffmpeg from PATH, FFMPEG_PATH / FFPROBE_PATH, else the npm copy
 * the repository's own install has. This machine's Node runs it, not the image's Node 22; with
 * Dockerfile.gpu the install fetches ONNX Runtime's CUDA provider from NuGet.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface MeasureOptions {
  /** Repository root (the build context); default: the one this file is in. */
  root?: string;
  /** Relative to the root; default packages/worker/Dockerfile. */
  dockerfile?: string;
  /** Start the worker in check mode after the install; default true. */
  check?: boolean;
  /** Leave the temporary folder in place (its path is in the result); default false. */
  keep?: boolean;
  /** How many packages to list, largest first; default 25. */
  top?: number;
  /** Where settings for the check come from (VOS_CLIP_MODEL, VOS_MODEL_CACHE, FFMPEG_PATH...); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
  /**
   * Runs in the folder once the final stage's files are in place, before the check: what the
   * image's model stage would do (the deploy rehearsal bakes its model here). What it returns
   * joins the check's environment.
   */
  prepare?: (dir: string) => Promise<NodeJS.ProcessEnv | void>;
}

/** Packages the worker image must not carry: deploy tooling, other runtimes, other platforms' builds. */
export const NOT_IN_IMAGE = ["aws-cdk-lib", "sst", "aws-sdk", "constructs", "onnxruntime-web", "@ffmpeg-installer/ffmpeg", "@ffmpeg-installer/linux-x64", "@ffprobe-installer/ffprobe", "@ffprobe-installer/linux-x64", "@electric-sql/pglite", "kysely", "aws-crt", "react", "vite", "vitest"];

export interface PackageSize {
  name: string;
  bytes: number;
}

export interface ImageMeasurement {
  dockerfile: string;
  /** Bytes of the files in every node_modules folder the install left (root and workspaces). */
  nodeModulesBytes: number;
  /** Installed packages, nested copies counted each. */
  packageCount: number;
  /** The largest packages (all copies of a name together), largest first. */
  packages: PackageSize[];
  installMs: number;
  check?: { ok: boolean; ms: number; exitCode: number | null; output: string };
  /** The temporary folder, when kept. */
  dir?: string;
}

// ---- the Dockerfile ------------------------------------------------------------------------

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

/** Stages of a Dockerfile: continuation lines joined, comments and parser directives dropped. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { op: op.toUpperCase(), args: rest.trim() };
    if (instruction.op === "FROM") {
      const [from = "", as, name] = instruction.args.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === "AS" ? name : undefined, from, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.op === "ARG") Object.assign(args, parseAssignments(instruction.args));
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** `A=1 B=2` (ENV, ARG); values may be double-quoted. */
function parseAssignments(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g)) {
    const value = match[2] ?? "";
    out[match[1]!] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value;
  }
  return out;
}

const substitute = (value: string, vars: Record<string, string>) => value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a?: string, b?: string) => vars[(a ?? b)!] ?? "");

/** A COPY from the build context (`--from` copies come from other stages and are skipped). */
export interface ContextCopy {
  sources: string[];
  dest: string;
}

export function contextCopies(stage: Stage): ContextCopy[] {
  return stage.instructions
    .filter((instruction) => instruction.op === "COPY" && !/(^|\s)--from=/.test(instruction.args))
    .map((instruction) => {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith("--"));
      return { sources: words.slice(0, -1), dest: words.at(-1)! };
    });
}

// ---- .dockerignore -------------------------------------------------------------------------

interface IgnoreRule {
  negated: boolean;
  pattern: string;
  regex: RegExp;
}

/** Docker's pattern syntax: `*` and `?` within a path segment, `**` across segments, `!` re-includes. */
function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        out += "(?:.*/)?";
      } else {
        out += ".*";
      }
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const pattern = path.posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\.?\//, "");
      return { negated, pattern, regex: globToRegExp(pattern) };
    });
}

/** Whether a path of the context (posix, relative) is left out: the last rule matching it or a parent decides. */
export function isIgnored(rules: IgnoreRule[], rel: string): boolean {
  const parents = rel.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) if (parents.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negated;
  return ignored;
}

/** A left-out folder is still walked when a `!` rule may bring back something inside it. */
const mayReinclude = (rules: IgnoreRule[], dir: string) => rules.some((rule) => rule.negated && (rule.pattern.startsWith(`${dir}/`) || rule.pattern.includes("**")));

function copyFromContext(root: string, rules: IgnoreRule[], copy: ContextCopy, target: string): void {
  const destDir = copy.dest.endsWith("/") || copy.sources.length > 1;
  for (const source of copy.sources) {
    const rel = path.posix.normalize(source).replace(/^\.?\/?/, "").replace(/\/$/, "");
    const from = path.join(root, rel);
    const stat = fs.statSync(from);
    if (stat.isDirectory()) copyTree(root, rules, rel, path.join(target, copy.dest));
    else if (!isIgnored(rules, rel)) {
      const to = destDir ? path.join(target, copy.dest, path.basename(rel)) : path.join(target, copy.dest);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    } else {
      throw new Error(`${rel} is left out by .dockerignore, but the Dockerfile copies it`);
    }
  }
}

/** A folder's contents into `to`, as COPY does (`rel` "" is the context root). */
function copyTree(root: string, rules: IgnoreRule[], rel: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const ignored = isIgnored(rules, childRel);
    if (entry.isDirectory()) {
      if (!ignored || mayReinclude(rules, childRel)) copyTree(root, rules, childRel, path.join(to, entry.name));
    } else if (entry.isFile() && !ignored) {
      fs.copyFileSync(path.join(root, childRel), path.join(to, entry.name));
    }
  }
}

// ---- sizes ---------------------------------------------------------------------------------

function filesBytes(dir: string, skipNodeModules: boolean): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(skipNodeModules && entry.name === "node_modules")) total += filesBytes(full, false);
    } else if (entry.isFile()) {
      total += fs.statSync(full).size;
    }
  }
  return total;
}

/** Every package in a node_modules folder and in the node_modules folders nested in them. */
function packageSizes(nodeModules: string, into: Map<string, number>, counter: { count: number }): void {
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(nodeModules, entry.name);
    const dirs = entry.name.startsWith("@") && entry.isDirectory() ? fs.readdirSync(full, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => [`${entry.name}/${e.name}`, path.join(full, e.name)] as const) : entry.isDirectory() ? [[entry.name, full] as const] : [];
    for (const [name, dir] of dirs) {
      counter.count++;
      into.set(name, (into.get(name) ?? 0) + filesBytes(dir, true));
      if (fs.existsSync(path.join(dir, "node_modules"))) packageSizes(path.join(dir, "node_modules"), into, counter);
    }
  }
}

function nodeModulesFolders(dir: string): string[] {
  const found = [path.join(dir, "node_modules")];
  const packages = path.join(dir, "packages");
  if (fs.existsSync(packages)) for (const workspace of fs.readdirSync(packages)) found.push(path.join(packages, workspace, "node_modules"));
  return found.filter((folder) => fs.existsSync(folder));
}

export function measureNodeModules(dir: string, top = 25): Pick<ImageMeasurement, "nodeModulesBytes" | "packageCount" | "packages"> {
  const folders = nodeModulesFolders(dir);
  const sizes = new Map<string, number>();
  const counter = { count: 0 };
  for (const folder of folders) packageSizes(folder, sizes, counter);
  const nodeModulesBytes = folders.reduce((sum, folder) => sum + filesBytes(folder, false), 0);
  const packages = [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  return { nodeModulesBytes, packageCount: counter.count, packages: packages.slice(0, top) };
}

// ---- running -------------------------------------------------------------------------------

/** The environment npm and node would not get inside a build: npm's own variables, NODE_OPTIONS, NODE_PATH. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_|^INIT_CWD$|^NODE_OPTIONS$|^NODE_PATH$/i.test(name)));
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; log: (line: string) => void; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-20_000);
      for (const line of text.split("\n")) if (line.trim()) options.log(`  ${line}`);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const repositoryRoot = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** ffmpeg for the check: PATH (as in the image), FFMPEG_PATH, else the repository's npm copy. */
function ffmpegEnv(root: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.FFMPEG_PATH && env.FFPROBE_PATH) return { FFMPEG_PATH: env.FFMPEG_PATH, FFPROBE_PATH: env.FFPROBE_PATH };
  const onPath = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { env }).status === 0;
  if (onPath("ffmpeg") && onPath("ffprobe")) return {};
  // @vos/cli installs the static builds for the embedded runtime.
  const require = createRequire(path.join(root, "packages", "cli", "package.json"));
  const binary = (name: string) => (require(name) as { path: string }).path;
  return { FFMPEG_PATH: binary("@ffmpeg-installer/ffmpeg"), FFPROBE_PATH: binary("@ffprobe-installer/ffprobe") };
}

export async function measureImage(options: MeasureOptions = {}): Promise<ImageMeasurement> {
  const root = path.resolve(options.root ?? repositoryRoot());
  const dockerfileRel = options.dockerfile ?? "packages/worker/Dockerfile";
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = options.env ?? process.env;
  const { args, stages } = parseDockerfile(fs.readFileSync(path.join(root, dockerfileRel), "utf8"));
  const ignoreFile = path.join(root, ".dockerignore");
  const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, "utf8")) : [];

  const install = stages.find((stage) => stage.instructions.some((i) => i.op === "RUN" && i.args.includes("install-deps.sh")));
  const final = stages.at(-1);
  if (!install || !final) throw new Error(`${dockerfileRel} has no stage that runs install-deps.sh`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-image-"));
  // Node looks for packages in every parent folder: one above the copy would hide a missing one.
  for (let parent = path.dirname(dir); parent !== path.dirname(parent); parent = path.dirname(parent)) {
    if (fs.existsSync(path.join(parent, "node_modules"))) throw new Error(`${parent}/node_modules exists: it would be visible to the measured install; set TMPDIR elsewhere`);
  }
  try {
    log(`${dockerfileRel}: install stage in ${dir}`);
    for (const copy of contextCopies(install)) copyFromContext(root, rules, copy, dir);
    const started = performance.now();
    for (const instruction of install.instructions.filter((i) => i.op === "RUN")) {
      log(`RUN ${instruction.args}`);
      const result = await run("sh", ["-c", instruction.args], { cwd: dir, env: cleanEnv(env), log, timeoutMs: 20 * 60_000 });
      if (result.code !== 0) throw new Error(`RUN ${instruction.args} exited with ${result.code}:\n${result.output.slice(-4000)}`);
    }
    const installMs = Math.round(performance.now() - started);
    const sizes = measureNodeModules(dir, options.top ?? 25);
    const measurement: ImageMeasurement = { dockerfile: dockerfileRel, ...sizes, installMs };

    if (options.check ?? true) measurement.check = await checkWorker({ root, rules, dir, final, args, env, log, ...(options.prepare ? { prepare: options.prepare } : {}) });
    if (options.keep) measurement.dir = dir;
    return measurement;
  } finally {
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function checkWorker(context: {
  root: string;
  rules: IgnoreRule[];
  dir: string;
  final: Stage;
  args: Record<string, string>;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  prepare?: MeasureOptions["prepare"];
}): Promise<NonNullable<ImageMeasurement["check"]>> {
  const { root, rules, dir, final, log } = context;
  for (const copy of contextCopies(final)) copyFromContext(root, rules, copy, dir);
  // System packages (apt-get) come from this machine; Node's steps run as the image runs them.
  for (const instruction of final.instructions.filter((i) => i.op === "RUN" && /^node\s/.test(i.args))) {
    log(`RUN ${instruction.args}`);
    const result = await run("sh", ["-c", instruction.args], { cwd: dir, env: cleanEnv(context.env), log, timeoutMs: 5 * 60_000 });
    if (result.code !== 0) throw new Error(`RUN ${instruction.args} exited with ${result.code}:\n${result.output.slice(-4000)}`);
  }
  const env: NodeJS.ProcessEnv = { ...context.env, ...(await context.prepare?.(dir)) };

  const vars: Record<string, string> = { ...context.args };
  for (const instruction of final.instructions.filter((i) => i.op === "ARG")) for (const [name, value] of Object.entries(parseAssignments(instruction.args))) vars[name] = vars[name] ?? value;
  const imageEnv: Record<string, string> = {};
  for (const instruction of final.instructions.filter((i) => i.op === "ENV")) for (const [name, value] of Object.entries(parseAssignments(instruction.args))) imageEnv[name] = substitute(value, { ...vars, ...imageEnv });
  const cmd = final.instructions.filter((i) => i.op === "CMD").at(-1);
  if (!cmd) throw new Error("the final stage has no CMD");
  const [command, ...commandArgs] = JSON.parse(cmd.args) as string[];
  if (!command) throw new Error("the final stage's CMD is empty");

  // The image bakes its model; here it comes from the caller or is generated.
  let clipModel = env.VOS_CLIP_MODEL;
  if (!clipModel) {
    clipModel = path.join(dir, "test-model");
    log(`generating the test CLIP model in ${clipModel}`);
    const made = spawnSync(process.execPath, ["--import", "tsx", "packages/core/scripts/make-test-model.ts", clipModel], { cwd: root, env: cleanEnv(env), encoding: "utf8" });
    if (made.status !== 0) throw new Error(`could not generate the test model: ${made.stderr}`);
  }
  const checkEnv: NodeJS.ProcessEnv = {
    PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: env.HOME ?? os.homedir(),
    TMPDIR: os.tmpdir(),
    ...imageEnv,
    VOS_CLIP_MODEL: clipModel,
    VOS_MODEL_CACHE: env.VOS_MODEL_CACHE ?? path.join(dir, "model-cache"),
    // The rest of the model's settings as the caller has them (a pinned revision, dtypes).
    ...Object.fromEntries(["VOS_CLIP_DEVICE", "VOS_CLIP_REVISION", "VOS_CLIP_DTYPE", "VOS_CLIP_TEXT_DTYPE", "VOS_MODEL_DOWNLOAD"].flatMap((name) => (env[name] ? [[name, env[name]!]] : []))),
    ...ffmpegEnv(root, env),
    VOS_WORKER_CHECK: "1",
    VOS_LOG_LEVEL: "info",
  };
  log(`CMD ${[command, ...commandArgs].join(" ")} (VOS_WORKER_CHECK=1)`);
  const started = performance.now();
  const result = await run(command, commandArgs, { cwd: dir, env: checkEnv, log, timeoutMs: 5 * 60_000 });
  const ms = Math.round(performance.now() - started);
  return { ok: result.code === 0, ms, exitCode: result.code, output: result.output.split("\n").filter(Boolean).slice(-12).join("\n") };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const top = value("--top");
  const dockerfile = value("--dockerfile");
  measureImage({ check: !argv.includes("--no-check"), keep: argv.includes("--keep"), ...(top ? { top: Number(top) } : {}), ...(dockerfile ? { dockerfile } : {}) }).then(
    (measurement) => {
      console.log(JSON.stringify(measurement, null, 2));
      process.exit(measurement.check && !measurement.check.ok ? 1 : 0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
