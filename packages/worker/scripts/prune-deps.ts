/**
 * Cuts an installed node_modules down to what one workspace can load. `npm ci --workspace` still
 * installs packages that only satisfy optional peer dependencies (drizzle-orm's kysely and RDS
 * Data client, the AWS SDK's aws-crt: about 55 MB that nothing imports), and npm 10 adds optional
 * packages for other platforms (sharp's wasm32 build). This walks the workspace's dependencies on
 * disk the way Node resolves them (a package's own node_modules, then each parent folder's, never
 * above the root), and removes every installed package the walk does not reach:
 *
 *   node --import tsx packages/worker/scripts/prune-deps.ts <root> --workspace packages/worker [--drop <name>]...
 *
 * `--drop` cuts a dependency the workspace never loads on purpose, with what only it pulls in.
 * A required dependency that is not installed fails the prune: the install is broken.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface PruneOptions {
  /** The workspace folder whose dependencies are kept, relative to the root. */
  workspace: string;
  /** Dependencies not followed (and so removed, with what only they reach). */
  drop?: readonly string[];
  /** The system the tree will run on; the running one by default. */
  target?: Partial<Target>;
}

export interface Target {
  platform: string;
  arch: string;
  /** glibc or musl on Linux; undefined elsewhere. */
  libc: string | undefined;
}

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  workspaces?: string[] | { packages?: string[] };
}

export interface PruneResult {
  /** Package folders kept (absolute real paths). */
  kept: string[];
  /** What was removed, relative to the root. */
  removed: string[];
}

export function runningTarget(): Target {
  const header = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const libc = process.platform === "linux" ? (header?.header?.glibcVersionRuntime ? "glibc" : "musl") : undefined;
  return { platform: process.platform, arch: process.arch, libc };
}

const readManifest = (dir: string): Manifest => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;

/** npm's os/cpu/libc rule: a `!name` entry excludes; any plain entries form an allow list. */
function allows(list: string[] | undefined, value: string | undefined): boolean {
  if (!list || list.length === 0) return true;
  if (value === undefined) return true;
  if (list.includes(`!${value}`)) return false;
  const allowed = list.filter((entry) => !entry.startsWith("!"));
  return allowed.length === 0 || allowed.includes(value);
}

export function fitsTarget(manifest: Manifest, target: Target): boolean {
  return allows(manifest.os, target.platform) && allows(manifest.cpu, target.arch) && (target.platform !== "linux" || allows(manifest.libc, target.libc));
}

/** Where package manifests come from: the installed tree, or a lockfile (the same layout, unpacked). */
export interface PackageSource {
  /** The manifest installed at `location` (posix, relative to the root; links followed), if any. */
  read(location: string): Manifest | undefined;
  /** The location a link points to (a workspace), else `location`. */
  real(location: string): string;
}

export function diskSource(rootDir: string): PackageSource {
  const root = fs.realpathSync(rootDir);
  return {
    read: (location) => {
      const file = path.join(root, location, "package.json");
      return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Manifest) : undefined;
    },
    real: (location) => path.relative(root, fs.realpathSync(path.join(root, location))).split(path.sep).join("/"),
  };
}

interface LockEntry extends Manifest {
  link?: boolean;
  resolved?: string;
}

/** package-lock.json's `packages`: keys are install locations, so the same walk applies before any install. */
export function lockfileSource(lockfile: { packages: Record<string, LockEntry> }): PackageSource {
  const real = (location: string) => {
    const entry = lockfile.packages[location];
    return entry?.link && entry.resolved ? entry.resolved : location;
  };
  return { read: (location) => lockfile.packages[real(location)], real };
}

/** Node's lookup: `<dir>/node_modules/<name>` from the importer's folder up to the root. */
function resolvePackage(source: PackageSource, name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.posix.dirname(dir)) {
    const candidate = path.posix.join(dir === "." ? "" : dir, "node_modules", name);
    if (source.read(candidate)) return source.real(candidate);
    if (dir === "" || dir === ".") return undefined;
  }
}

/** The locations (real, relative to the root) of every package the workspace can reach, itself included. */
export function dependencyClosure(source: PackageSource, options: PruneOptions): Set<string> {
  const target: Target = { ...runningTarget(), ...options.target };
  const drop = new Set(options.drop ?? []);
  const start = source.real(options.workspace);
  if (!source.read(start)) throw new Error(`no package.json in ${options.workspace}`);
  const reached = new Set<string>([start]);
  const queue = [start];
  const missing: string[] = [];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    const manifest = source.read(dir)!;
    const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
    const edges = new Map<string, "required" | "optional">();
    for (const name of Object.keys(manifest.dependencies ?? {})) edges.set(name, optional.has(name) ? "optional" : "required");
    for (const name of optional) edges.set(name, "optional");
    // Optional peers are what npm ci --workspace over-installs: never followed.
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      if (!manifest.peerDependenciesMeta?.[name]?.optional && !edges.has(name)) edges.set(name, "required");
    }
    for (const [name, kind] of edges) {
      if (drop.has(name)) continue;
      const found = resolvePackage(source, name, dir);
      if (found === undefined) {
        if (kind === "required") missing.push(`${name} (needed by ${dir || "the root"})`);
        continue;
      }
      if (kind === "optional" && !fitsTarget(source.read(found)!, target)) continue;
      if (!reached.has(found)) {
        reached.add(found);
        queue.push(found);
      }
    }
  }
  if (missing.length > 0) throw new Error(`not installed: ${missing.join(", ")}`);
  return reached;
}

/** The node_modules folders of the root and of its workspaces (`dir` or `dir/*` entries). */
function nodeModulesFolders(root: string): string[] {
  const { workspaces } = readManifest(root);
  const patterns = Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? []);
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [path.join(root, pattern)];
    const parent = path.join(root, pattern.slice(0, -2));
    return fs.existsSync(parent) ? fs.readdirSync(parent).map((entry) => path.join(parent, entry)) : [];
  });
  return [root, ...dirs].map((dir) => path.join(dir, "node_modules")).filter((dir) => fs.existsSync(dir));
}

/** Package folders directly inside a node_modules folder (scoped ones included). */
function packagesIn(nodeModules: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(nodeModules, entry.name);
    if (entry.name.startsWith("@") && entry.isDirectory()) {
      for (const scoped of fs.readdirSync(full)) found.push(path.join(full, scoped));
    } else if (entry.isDirectory() || entry.isSymbolicLink()) {
      found.push(full);
    }
  }
  return found;
}

const realpathOrNull = (file: string) => {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
};

/** Removes every installed package outside the workspace's closure; returns what it removed. */
export function pruneToClosure(rootDir: string, options: PruneOptions): PruneResult {
  const root = fs.realpathSync(rootDir);
  const closure = new Set([...dependencyClosure(diskSource(root), options)].map((location) => path.join(root, location)));
  const removed: string[] = [];
  const folders = nodeModulesFolders(root);
  for (let nodeModules = folders.shift(); nodeModules; nodeModules = folders.shift()) {
    for (const pkg of packagesIn(nodeModules)) {
      const real = realpathOrNull(pkg);
      if (real && closure.has(real)) {
        // A link (a workspace) is walked through its own folder's entry in the list above.
        if (!fs.lstatSync(pkg).isSymbolicLink() && fs.existsSync(path.join(pkg, "node_modules"))) folders.push(path.join(pkg, "node_modules"));
        continue;
      }
      fs.rmSync(pkg, { recursive: true, force: true });
      removed.push(path.relative(root, pkg));
    }
    tidy(nodeModules);
  }
  return { kept: [...closure], removed };
}

/** Drops links in .bin that lost their package, empty scope folders, and npm's hidden lockfile (it lists what was removed). */
function tidy(nodeModules: string): void {
  const bin = path.join(nodeModules, ".bin");
  if (fs.existsSync(bin)) {
    for (const link of fs.readdirSync(bin)) if (!realpathOrNull(path.join(bin, link))) fs.rmSync(path.join(bin, link), { force: true });
  }
  for (const entry of fs.readdirSync(nodeModules)) {
    const full = path.join(nodeModules, entry);
    if (entry.startsWith("@") && fs.statSync(full).isDirectory() && fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
  fs.rmSync(path.join(nodeModules, ".package-lock.json"), { force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const root = args[0];
  const workspaceAt = args.indexOf("--workspace");
  const workspace = workspaceAt >= 0 ? args[workspaceAt + 1] : undefined;
  const drop = args.flatMap((arg, i) => (arg === "--drop" && args[i + 1] ? [args[i + 1]!] : []));
  if (!root || root.startsWith("--") || !workspace) {
    console.error("usage: prune-deps.ts <root> --workspace <folder> [--drop <package>]...");
    process.exit(2);
  }
  const { kept, removed } = pruneToClosure(root, { workspace, drop });
  console.log(`kept ${kept.length} packages, removed ${removed.length}${removed.length ? `: ${removed.join(", ")}` : ""}`);
}
