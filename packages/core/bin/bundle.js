// @ts-check
// Runs a TypeScript entry of this checkout from an esbuild bundle kept in node_modules/.cache/vos,
// so each `vos` start loads a few files instead of transpiling about 150 through tsx (about 1 s
// of CPU less per start). The bundle holds the workspace's own sources and the plain JavaScript
// npm packages they import (the AWS SDK, Pinecone, postgres.js, drizzle, Hono, zod...), as the
// Lambda functions' bundles do: Node then reads a few large files instead of resolving, reading
// and compiling about 1,500 small ones (a worker task's start: 1.1 -> 0.65 s of CPU). Packages
// with native code, WebAssembly or files found beside their sources stay imports. It is rebuilt
// (about 1 s) when any of its sources or packages changed since it was made, and when it cannot
// be built or VOS_BUNDLE=off is set, the sources run through tsx as before.
//
// It lives in @vos/core because every runtime that starts an entry of the checkout uses it: `vos`
// (packages/cli/bin/vos.js), worker processes (run.js), and the worker images, which build their
// bundle at image build time (`node packages/core/bin/bundle.js packages/worker/src/main.ts`) so
// a task never builds one. esbuild and tsx come from the package that runs it (@vos/cli,
// @vos/worker), which lists them.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { trimSourceMap } from "./own-source-map.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CACHE = path.join(REPO_ROOT, "node_modules", ".cache", "vos");
/** Bumped when the build settings below change, so old bundles are not reused. */
const FORMAT = 4;
/**
 * Entries that the checkout's sources start as worker threads, by name: built beside each bundle
 * of an entry of the checkout (sharing its chunks), so a process that runs from a bundle starts
 * its threads from it too instead of registering tsx in each one (the detector's thread: ready
 * in 0.42 s instead of 0.75, and 0.45 s of CPU less). runEntry hands their files to the sources
 * under THREAD_BUNDLES (see detector/worker-engine.ts).
 */
const THREADS = { "detector.worker": "packages/core/src/detector/detector.worker.ts" };
/** @param {string} source */
const threadsFor = (source) => (source.startsWith(REPO_ROOT) ? THREADS : {});
/** The global where runEntry leaves the bundled threads' file URLs, by name. */
const THREAD_BUNDLES = Symbol.for("vos.threadBundles");
/**
 * V8 compiles WebAssembly (PGlite's database, the detector's tfjs kernels) with its baseline
 * compiler, then by default recompiles every function that has run a little with its optimising
 * one, on background threads: for a command that lives a second or two, about 0.6 s of CPU of
 * PGlite recompiled for nothing. With a budget 100 times V8's default only functions that run a
 * lot are optimised; the detector's kernels still are within a frame or two, so detection is as
 * fast (measured: `vos videos` 2.2 -> 1.6 s of CPU; CenterNet frames 0.23 s either way).
 */
const WASM_TIERING_BUDGET = 180_000_000;

/**
 * Imports `entry` (a path from the repository root, or absolute) from its bundle, or through tsx.
 * @param {string} entry
 * @param {{ cache?: string, threads?: Record<string, string> }} [options] where bundles are kept
 *   (default: node_modules/.cache/vos); the thread entries to build beside it, by name (default:
 *   THREADS for an entry of the checkout)
 */
export async function runEntry(entry, options = {}) {
  // Before anything compiles WebAssembly: the budget is read when a module is instantiated.
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  const source = path.resolve(REPO_ROOT, entry);
  const cache = options.cache ?? CACHE;
  const bundle = process.env.VOS_BUNDLE === "off" ? undefined : await bundled(source, cache, options.threads ?? threadsFor(source)).catch(() => undefined);
  if (bundle) {
    process.setSourceMapsEnabled(true);
    /** @type {Record<symbol, Record<string, string>>} */ (globalThis)[THREAD_BUNDLES] = Object.fromEntries(
      bundle.threads.map((name) => [name, pathToFileURL(path.join(path.dirname(bundle.main), `${name}.js`)).href]),
    );
    return import(pathToFileURL(bundle.main).href);
  }
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(source).href);
}

/**
 * Builds `entry`'s bundle, or finds it fresh, and returns its main file; unlike runEntry it throws
 * when the bundle cannot be made, so an image build fails instead of its tasks starting on tsx.
 * @param {string} entry
 * @param {{ cache?: string }} [options]
 */
export async function bundleEntry(entry, options = {}) {
  const source = path.resolve(REPO_ROOT, entry);
  return (await bundled(source, options.cache ?? CACHE, threadsFor(source))).main;
}

/**
 * The bundle's main file and the names of the threads built beside it, fresh for the sources as
 * they are now.
 * @param {string} source
 * @param {string} cache
 * @param {Record<string, string>} threads
 * @returns {Promise<{ main: string, threads: string[] }>}
 */
async function bundled(source, cache, threads) {
  const name = path.basename(source, path.extname(source));
  const manifestPath = path.join(cache, `${name}.json`);
  const current = readManifest(manifestPath);
  const wanted = Object.keys(threads).sort().join(",");
  if (current && current.format === FORMAT && current.source === source && current.threads.join(",") === wanted && stamp(current.inputs) === current.stamp) {
    return { main: path.join(cache, current.dir, `${name}.js`), threads: current.threads };
  }
  return build(source, name, cache, manifestPath, threads);
}

/** @param {string} file */
function readManifest(file) {
  try {
    return /** @type {{ format: number, source: string, dir: string, threads: string[], inputs: string[], stamp: string }} */ (JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/**
 * What the sources are now: each one's size and modification time, hashed.
 * @param {string[]} files
 */
function stamp(files) {
  const hash = createHash("sha256");
  for (const file of files) {
    const info = statSync(file, { throwIfNoEntry: false });
    hash.update(`${file}\0${info ? `${info.size}:${info.mtimeMs}` : "missing"}\n`);
  }
  return hash.digest("hex");
}

/**
 * Bundles `source` into a new folder of the cache and points the manifest at it. Processes that
 * build at once each write their own folder and the last rename wins; a folder is never changed
 * once written, so a running process keeps loading its lazy chunks from it.
 * @param {string} source
 * @param {string} name
 * @param {string} cache
 * @param {string} manifestPath
 * @param {Record<string, string>} threads
 */
async function build(source, name, cache, manifestPath, threads) {
  const esbuild = await import("esbuild");
  const externals = new Set();
  const dir = `${name}-${process.pid}-${Date.now().toString(36)}`;
  const outdir = path.join(cache, dir);
  const result = await esbuild.build({
    entryPoints: { ...Object.fromEntries(Object.entries(threads).map(([thread, file]) => [thread, path.resolve(REPO_ROOT, file)])), [name]: source },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // ESM builds of packages that ship both (the AWS SDK's dist-es), where no exports map says.
    mainFields: ["module", "main"],
    // Bundled CommonJS packages require Node's modules; an ES module has no `require` of its own.
    banner: { js: 'import { createRequire as __vosCreateRequire } from "node:module"; const require = __vosCreateRequire(import.meta.url);' },
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "silent",
    plugins: [packagesInline(externals), fileLocations(outdir)],
  });
  for (const file of Object.keys(result.metafile.outputs)) if (file.endsWith(".map")) trimMap(path.resolve(file));
  // A changed or moved package (npm install) makes the bundle stale too.
  const inputs = [...Object.keys(result.metafile.inputs).map((input) => path.resolve(input)), ...externals];
  const built = Object.keys(threads).sort();
  const manifest = { format: FORMAT, source, dir, threads: built, inputs, stamp: stamp(inputs) };
  mkdirSync(cache, { recursive: true });
  const temporary = `${manifestPath}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, manifestPath);
  removeOldBuilds(cache, name, dir);
  return { main: path.join(outdir, `${name}.js`), threads: built };
}

/**
 * npm packages that stay imports: native code (sharp, ONNX Runtime), WebAssembly and data files
 * found beside their sources (PGlite, TensorFlow.js, the detector's model, ffmpeg), tools. Any
 * other package goes in the bundle, as in the Lambda functions' bundles.
 */
const STAY_IMPORTS = /^(@electric-sql\/|@huggingface\/|onnxruntime-|sharp$|@img\/|@tensorflow\/|@vladmandic\/|@ffmpeg-installer\/|@ffprobe-installer\/|esbuild$|tsx$|sst$|playwright)/;

/** The package a bare import names: `@scope/name` or `name`. @param {string} specifier */
const packageName = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/**
 * The workspace's packages (@vos/*), relative files and plain JavaScript npm packages go in. A
 * package that stays an import is imported from the file it resolves to from the importing source
 * (npm nests some packages inside a workspace's own node_modules, which the cache folder would
 * not find), recorded in `externals`.
 * @param {Set<string>} externals
 * @returns {import("esbuild").Plugin}
 */
function packagesInline(externals) {
  return {
    name: "packages-inline",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith("@vos/") || args.pluginData?.resolving) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { resolving: true } });
        // Not installed (an optional peer): Node says so if it is ever imported.
        if (found.errors.length > 0 || !path.isAbsolute(found.path)) return { path: args.path, external: true };
        if (!STAY_IMPORTS.test(packageName(args.path))) return { path: found.path };
        const file = asNodeResolves(args.path, args.resolveDir, found.path);
        externals.add(file);
        return { path: pathToFileURL(file).href, external: true };
      });
    },
  };
}

/**
 * The file Node itself imports for a package that stays an import. esbuild prefers a package's
 * "module" field, which Node ignores: for a package without an exports map (TensorFlow.js) that
 * would load its ES build beside the CommonJS one its neighbours require (two tfjs-cores, the
 * backend registered with the other), and that ES build's extensionless imports do not load in
 * Node at all. Node resolves such a package through "main", as require does.
 * @param {string} specifier
 * @param {string} resolveDir
 * @param {string} found esbuild's answer, right wherever the package has an exports map
 */
function asNodeResolves(specifier, resolveDir, found) {
  const name = packageName(specifier);
  for (let dir = path.dirname(found); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = readJson(path.join(dir, "package.json"));
    if (manifest?.name !== name) continue;
    return manifest.exports === undefined ? createRequire(path.join(resolveDir, "noop.js")).resolve(specifier) : found;
  }
  return found;
}

/** @param {string} file @returns {{ name?: string, exports?: unknown } | undefined} */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Keeps the mappings of the workspace's own sources only (own-source-map.js).
 * @param {string} file
 */
function trimMap(file) {
  const map = JSON.parse(readFileSync(file, "utf8"));
  const own = (/** @type {string} */ source) => !path.resolve(path.dirname(file), source).includes(`${path.sep}node_modules${path.sep}`);
  writeFileSync(file, JSON.stringify(trimSourceMap(map, own)));
}

/**
 * import.meta.url keeps naming each source file, as it does under tsx: the sources find their
 * neighbours through it (migrations, the detector's worker, the web app's build).
 * @param {string} outdir
 * @returns {import("esbuild").Plugin}
 */
function fileLocations(outdir) {
  return {
    name: "file-locations",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        const here = `new URL(${JSON.stringify(path.relative(outdir, args.path).split(path.sep).join("/"))}, import.meta.url).href`;
        return { contents: text.includes("import.meta.url") ? text.replaceAll("import.meta.url", here) : text, loader: "ts" };
      });
    },
  };
}

/**
 * Removes this entry's earlier builds, but only those made over an hour ago: a process started
 * from one may still load its chunks.
 * @param {string} cache
 * @param {string} name
 * @param {string} keep
 */
function removeOldBuilds(cache, name, keep) {
  const entries = readdirSync(cache);
  const hourAgo = Date.now() - 3_600_000;
  for (const entry of entries) {
    if (!entry.startsWith(`${name}-`) || entry === keep) continue;
    const folder = path.join(cache, entry);
    const info = statSync(folder, { throwIfNoEntry: false });
    if (info?.isDirectory() && info.mtimeMs < hourAgo) rmSync(folder, { recursive: true, force: true });
  }
}

// `node packages/core/bin/bundle.js <entry.ts> [--cache DIR]`: build now (the worker images' build step).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, flag, cache] = process.argv.slice(2);
  if (!entry || (flag !== undefined && (flag !== "--cache" || !cache))) {
    process.stderr.write("usage: node packages/core/bin/bundle.js <entry.ts> [--cache DIR]\n");
    process.exit(2);
  }
  const started = performance.now();
  const main = await bundleEntry(entry, cache ? { cache } : {});
  process.stdout.write(`${main} (${Math.round(performance.now() - started)} ms)\n`);
}
