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

/** Runs main.ts through the loader in a new process, as bin/vos.js runs the CLI. */
async function runMain(env: Record<string, string> = {}): Promise<{ greeting: string; where: string }> {
  const script = `import { runEntry } from ${JSON.stringify(pathToFileURL(LOADER).href)}; await runEntry(${JSON.stringify(path.join(dir, "main.ts"))}, { cache: ${JSON.stringify(cache)} });`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ...env } });
  return JSON.parse(stdout) as { greeting: string; where: string };
}

const manifest = async () => JSON.parse(await readFile(path.join(cache, "main.json"), "utf8")) as { dir: string; inputs: string[] };

describe("the CLI's bundle loader", () => {
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

  it("imports an npm package from where the importing source finds it, and rebuilds when the package changes", async () => {
    // A package nested in the source's own node_modules, as npm nests a workspace's version.
    const nested = path.join(dir, "node_modules", "nested-dep");
    await mkdir(nested, { recursive: true });
    await writeFile(path.join(nested, "package.json"), JSON.stringify({ name: "nested-dep", type: "module", exports: "./index.js" }));
    await writeFile(path.join(nested, "index.js"), "export const version = 1;\n");
    await writeFile(path.join(dir, "main.ts"), ['import { version } from "nested-dep";', "console.log(JSON.stringify({ greeting: `v${version}`, where: \"main.ts\" }));", ""].join("\n"));
    expect(await runMain()).toEqual({ greeting: "v1", where: "main.ts" });
    const first = await manifest();
    const bundle = await readFile(path.join(cache, first.dir, "main.js"), "utf8");
    expect(bundle).toContain(pathToFileURL(path.join(nested, "index.js")).href);
    expect(first.inputs).toContain(path.join(nested, "index.js"));

    // An upgraded (or moved) package is a changed input: the next start bundles again.
    await writeFile(path.join(nested, "index.js"), "export const version = 22;\n");
    expect(await runMain()).toEqual({ greeting: "v22", where: "main.ts" });
    expect((await manifest()).dir).not.toBe(first.dir);
  });

  it("runs the sources through tsx with VOS_BUNDLE=off, and when the bundle cannot be written", async () => {
    expect(await runMain({ VOS_BUNDLE: "off" })).toEqual({ greeting: "hello", where: "dep.ts" });
    await expect(readdir(cache)).rejects.toMatchObject({ code: "ENOENT" });

    await writeFile(cache, "a file where the cache folder should be");
    expect(await runMain()).toEqual({ greeting: "hello", where: "dep.ts" });
  });
});
