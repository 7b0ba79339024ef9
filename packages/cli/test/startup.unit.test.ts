/**
 * What `vos` loads before it knows its command: a command against a server (VOS_API_URL), and
 * `--help`, must not pay for the embedded database, the models, the media tools or the AWS SDK
 * (0.5 s instead of 1.3 s to start on two cores). They are imported where a command needs them.
 */
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

/** The packages and workspace files `entry` imports at load time (static imports only, followed through the workspace). */
async function loadedAtStart(entry: string): Promise<{ packages: string[]; files: string[] }> {
  const { metafile } = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    outdir: "out",
    platform: "node",
    format: "esm",
    logLevel: "silent",
    plugins: [{ name: "packages-outside", setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith("@vos/") ? undefined : { path: a.path, external: true })) }],
  });
  const inputs: Metafile["inputs"] = metafile.inputs;
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.kind !== "import-statement") continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(entry);
  return { packages: [...packages].sort(), files: [...files].sort() };
}

describe("vos at start", () => {
  it("loads no database, model, media tool or cloud SDK until a command needs one", async () => {
    const { packages, files } = await loadedAtStart("packages/cli/src/bin.ts");
    for (const heavy of [/^@electric-sql\//, /^onnxruntime/, /^sharp$/, /^@huggingface\//, /^@aws-sdk\//, /^@pinecone-database\//, /^drizzle-orm/, /^hono/, /^@hono\//, /^@tensorflow\//]) {
      expect(packages.filter((name) => heavy.test(name)), String(heavy)).toEqual([]);
    }
    expect(files.filter((file) => file.startsWith("packages/core/")), "core modules loaded at start").toEqual(["packages/core/src/error.ts"]);
    expect(files.filter((file) => file.startsWith("packages/functions/")), "the API loaded at start").toEqual([]);
  });

  it("would see a heavy import made at load time", async () => {
    // The same check on the module that opens the data folder finds what it loads.
    const { files } = await loadedAtStart("packages/cli/src/local-api.ts");
    expect(files.some((file) => file.startsWith("packages/functions/"))).toBe(true);
  });
});
