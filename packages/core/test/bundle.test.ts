import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const LOADER = fileURLToPath(new URL("../bin/bundle.js", import.meta.url));
const run = promisify(execFile);

let dir: string;
let cache: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-bundle-"));
  cache = path.join(dir, "cache");
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  await writeFile(path.join(dir, "main.ts"), ['import { greeting, where } from "./dep.ts";', "console.log(JSON.stringify({ greeting, where }));", ""].join("\n"));
  await writeDep("hello");
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A dependency with types (which only TypeScript accepts), a node: import and import.meta.url. */
async function writeDep(greeting: string): Promise<void> {
  const text = [
    'import { basename } from "node:path";',
    "interface Greeting { text: string }",
    `const value: Greeting = { text: ${JSON.stringify(greeting)} };`,
    "export const greeting = value.text;",
    "export const where = basename(new URL(import.meta.url).pathname);",
    "",
  ].join("\n");
  await writeFile(path.join(dir, "dep.ts"), text);
}

/** Runs main.ts through the loader in a new process, as bin/vos.js runs the CLI; `threads` as runEntry takes them. */
async function runMain(env: Record<string, string> = {}, threads?: Record<string, string>): Promise<{ greeting: string; where: string }> {
  const options = { cache, ...(threads ? { threads } : {}) };
  const script = `import { runEntry } from ${JSON.stringify(pathToFileURL(LOADER).href)}; await runEntry(${JSON.stringify(path.join(dir, "main.ts"))}, ${JSON.stringify(options)});`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ...env } });
  return JSON.parse(stdout) as { greeting: string; where: string };
}

const manifest = async () => JSON.parse(await readFile(path.join(cache, "main.json"), "utf8")) as { dir: string; threads: string[]; inputs: string[] };

describe("the bundle loader", () => {
  it("runs an entry from a bundle of its sources, where import.meta.url still names each source file", async () => {
    expect(await runMain()).toEqual({ greeting: "hello", where: "dep.ts" });
    const made = await manifest();
    expect(made.inputs.map((input) => path.basename(input)).sort()).toEqual(["dep.ts", "main.ts"]);
    const bundle = await readFile(path.join(cache, made.dir, "main.js"), "utf8");
    expect(bundle).toContain('from "node:path"');
    expect(bundle).not.toContain("interface Greeting");
  });

  it("reuses the bundle while the sources are unchanged, and rebuilds it when one changes", async () => {
    await runMain();
    const first = (await manifest()).dir;
    expect(await runMain()).toEqual({ greeting: "hello", where: "dep.ts" });
    expect((await manifest()).dir).toBe(first);

    await writeDep("hello again");
    expect(await runMain()).toEqual({ greeting: "hello again", where: "dep.ts" });
    const second = (await manifest()).dir;
    expect(second).not.toBe(first);
    // The earlier build stays for an hour: a process started from it may still load its chunks.
    expect((await readdir(cache)).sort()).toEqual([first, second, "main.json"].sort());
  });

  it("bundles a plain npm package, imports a native one from where the source finds it, and rebuilds when either changes", async () => {
    // Packages nested in the source's own node_modules, as npm nests a workspace's version. "sharp"
    // stands for a package with native code: it stays an import.
    const writePackage = async (name: string, body: string) => {
      const folder = path.join(dir, "node_modules", name);
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, "package.json"), JSON.stringify({ name, type: "module", exports: "./index.js" }));
      await writeFile(path.join(folder, "index.js"), body);
      return path.join(folder, "index.js");
    };
    const plain = await writePackage("nested-dep", "export const version = 1;\n");
    const native = await writePackage("sharp", "export const native = 'n1';\n");
    await writeFile(
      path.join(dir, "main.ts"),
      ['import { version } from "nested-dep";', 'import { native } from "sharp";', "console.log(JSON.stringify({ greeting: `v${version} ${native}`, where: \"main.ts\" }));", ""].join("\n"),
    );
    expect(await runMain()).toEqual({ greeting: "v1 n1", where: "main.ts" });
    const first = await manifest();
    const bundle = await readFile(path.join(cache, first.dir, "main.js"), "utf8");
    expect(bundle).toContain("version = 1");
    expect(bundle).not.toContain(pathToFileURL(plain).href);
    expect(bundle).toContain(pathToFileURL(native).href);
    expect(first.inputs).toEqual(expect.arrayContaining([plain, native]));
    // The source map keeps the workspace's sources only.
    const map = JSON.parse(await readFile(path.join(cache, first.dir, "main.js.map"), "utf8")) as { sources: string[] };
    expect(map.sources.map((source) => path.basename(source))).toEqual(["main.ts"]);

    // An upgraded (or moved) package is a changed input: the next start bundles again.
    await writePackage("nested-dep", "export const version = 22;\n");
    expect(await runMain()).toEqual({ greeting: "v22 n1", where: "main.ts" });
    const second = await manifest();
    expect(second.dir).not.toBe(first.dir);
    await writePackage("sharp", "export const native = 'n2';\n");
    expect(await runMain()).toEqual({ greeting: "v22 n2", where: "main.ts" });
    expect((await manifest()).dir).not.toBe(second.dir);
  });

  it("imports a package without an exports map from the file Node resolves (its main), not from its ES build", async () => {
    // As TensorFlow.js ships: "main" CommonJS, which its own packages require, and a "module" ES
    // build with extensionless imports that Node cannot load. "@tensorflow/" packages stay imports.
    const folder = path.join(dir, "node_modules", "@tensorflow", "fake-core");
    await mkdir(path.join(folder, "esm"), { recursive: true });
    await writeFile(path.join(folder, "package.json"), JSON.stringify({ name: "@tensorflow/fake-core", main: "./cjs.js", module: "./esm/index.js" }));
    await writeFile(path.join(folder, "cjs.js"), 'exports.kind = "main";\n');
    await writeFile(path.join(folder, "esm", "index.js"), 'export { kind } from "./kind";\n');
    await writeFile(path.join(dir, "main.ts"), ['import { kind } from "@tensorflow/fake-core";', 'console.log(JSON.stringify({ greeting: kind, where: "main.ts" }));', ""].join("\n"));
    expect(await runMain()).toEqual({ greeting: "main", where: "main.ts" });
    const made = await manifest();
    expect(made.inputs).toContain(path.join(folder, "cjs.js"));
    expect(await readFile(path.join(cache, made.dir, "main.js"), "utf8")).toContain(pathToFileURL(path.join(folder, "cjs.js")).href);
  });

  it("builds thread entries beside the bundle and hands the sources their files, so a thread starts from the bundle too", async () => {
    await writeFile(
      path.join(dir, "echo.ts"),
      ['import { parentPort } from "node:worker_threads";', 'import { greeting, where } from "./dep.ts";', "parentPort!.postMessage({ greeting, where });", ""].join("\n"),
    );
    await writeFile(
      path.join(dir, "main.ts"),
      [
        'import { Worker } from "node:worker_threads";',
        'import { greeting } from "./dep.ts";',
        'const threads = (globalThis as { [key: symbol]: Record<string, string> | undefined })[Symbol.for("vos.threadBundles")];',
        // (Not the -e script's --input-type, which a thread would inherit.)
        "const worker = new Worker(new URL(threads!.echo!), { execArgv: [] });",
        'worker.once("message", (reply: { greeting: string; where: string }) => {',
        '  console.log(JSON.stringify({ greeting: `${reply.greeting} from ${threads!.echo!.split("/").pop()}, ${greeting} here`, where: reply.where }));',
        "  void worker.terminate();",
        "});",
        "",
      ].join("\n"),
    );
    const threads = { echo: path.join(dir, "echo.ts") };
    expect(await runMain({}, threads)).toEqual({ greeting: "hello from echo.js, hello here", where: "dep.ts" });
    const made = await manifest();
    expect(made.threads).toEqual(["echo"]);
    expect(made.inputs).toContain(path.join(dir, "echo.ts"));
    // The dependency both import sits in one chunk they share, not in each.
    const main = await readFile(path.join(cache, made.dir, "main.js"), "utf8");
    const echo = await readFile(path.join(cache, made.dir, "echo.js"), "utf8");
    expect(main).not.toContain('"hello"');
    expect(echo).not.toContain('"hello"');
    // A start that asks for other threads builds again; the same threads reuse it.
    expect(await runMain({}, threads)).toEqual({ greeting: "hello from echo.js, hello here", where: "dep.ts" });
    expect((await manifest()).dir).toBe(made.dir);
    await runMain({}, {}).catch(() => undefined);
    expect((await manifest()).threads).toEqual([]);
  });

  it("maps a stack frame in a workspace source to its file and line, through a bundled CommonJS package", async () => {
    // A CommonJS package that requires a Node module (the bundle gives it `require`) and calls back.
    const folder = path.join(dir, "node_modules", "cjs-dep");
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "package.json"), JSON.stringify({ name: "cjs-dep", main: "./index.js" }));
    await writeFile(path.join(folder, "index.js"), 'const os = require("node:os");\nexports.call = (f) => f(os.EOL.length);\n');
    await writeFile(
      path.join(dir, "main.ts"),
      ['import { call } from "cjs-dep";', "", "const fail = (n: number): string => {", '  throw new Error("boom " + n);', "};", "try { call(fail); } catch (error) {", '  console.log(JSON.stringify({ greeting: (error as Error).message, where: (error as Error).stack!.split("\\n")[1]!.trim() }));', "}", ""].join("\n"),
    );
    const { greeting, where } = await runMain();
    expect(greeting).toBe("boom 1");
    expect(where).toContain(`${path.join(dir, "main.ts")}:4:`);
  });

  it("runs the sources through tsx with VOS_BUNDLE=off, and when the bundle cannot be written", async () => {
    expect(await runMain({ VOS_BUNDLE: "off" })).toEqual({ greeting: "hello", where: "dep.ts" });
    await expect(readdir(cache)).rejects.toMatchObject({ code: "ENOENT" });

    await writeFile(cache, "a file where the cache folder should be");
    expect(await runMain()).toEqual({ greeting: "hello", where: "dep.ts" });
  });
});

describe("bundle.js as a build step (the worker images')", () => {
  const build = (args: string[]) => run(process.execPath, [LOADER, ...args], { env: { ...process.env } });

  it("builds the bundle and prints its main file, which the next start then uses as it is", async () => {
    const { stdout } = await build([path.join(dir, "main.ts"), "--cache", cache]);
    const made = await manifest();
    expect(stdout).toMatch(new RegExp(`^${path.join(cache, made.dir, "main.js").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(\\d+ ms\\)\\n$`));
    expect(await runMain()).toEqual({ greeting: "hello", where: "dep.ts" });
    expect((await manifest()).dir).toBe(made.dir);
  });

  it("fails, instead of leaving the start to tsx, when the sources cannot be bundled or the cache written", async () => {
    await writeFile(path.join(dir, "main.ts"), 'import { missing } from "./nowhere.ts";\nconsole.log(missing);\n');
    await expect(build([path.join(dir, "main.ts"), "--cache", cache])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("nowhere.ts") });
    await writeDep("hello");
    await writeFile(path.join(dir, "main.ts"), 'import { greeting } from "./dep.ts";\nconsole.log(greeting);\n');
    await writeFile(cache, "a file where the cache folder should be");
    await expect(build([path.join(dir, "main.ts"), "--cache", cache])).rejects.toMatchObject({ code: 1 });
  });

  it("answers a wrong command line with its usage", async () => {
    await expect(build([])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("usage: node packages/core/bin/bundle.js <entry.ts> [--cache DIR]") });
    await expect(build([path.join(dir, "main.ts"), "--cache"])).rejects.toMatchObject({ code: 2 });
  });
});
