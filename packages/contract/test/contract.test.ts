/**
 * The committed contract (openapi.json and the types generated from it) is what the API gives
 * now: a response schema changed without `npm run contract` fails here and in CI's
 * `npm run contract -- --check`, naming the stale files and the command that fixes them.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { apiDocument, CONTRACT_DIR, contractFiles, REGENERATE, staleFiles } from "@vos/contract/generate";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(CONTRACT_DIR, "../..");
const temps: string[] = [];
afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

/** The video view's schema in a document, to change it as a careless edit to the API would. */
type Schema = { properties: Record<string, unknown>; required: string[] };
const videoView = (doc: Awaited<ReturnType<typeof apiDocument>>) =>
  (doc.paths as Record<string, { get: { responses: Record<string, { content: Record<string, { schema: Schema }> }> } }>)["/videos/{id}"]!.get.responses["200"]!.content[
    "application/json"
  ]!.schema;

describe("the API contract", () => {
  it("is what the API generates now", async () => {
    const stale = await staleFiles(await contractFiles());
    expect(stale, `Stale: ${stale.join(", ")}: ${REGENERATE}.`).toEqual([]);
  });

  it("goes stale when a response schema changes without regenerating", async () => {
    const doc = await apiDocument();
    const view = videoView(doc);
    view.properties.thumbnailUrl = { type: "string" };
    view.required.push("thumbnailUrl");
    expect(await staleFiles(await contractFiles(doc))).toEqual(["openapi.json", "src/schema.ts"]);
  });

  it("`npm run contract -- --check` fails on a stale copy, naming the files and the fix", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vos-contract-"));
    temps.push(dir);
    await mkdir(path.join(dir, "src"));
    await copyFile(path.join(CONTRACT_DIR, "src/schema.ts"), path.join(dir, "src/schema.ts"));
    // The copy answers a field the API no longer has: the same difference, seen from the files.
    const doc = JSON.parse(await readFile(path.join(CONTRACT_DIR, "openapi.json"), "utf8")) as Awaited<ReturnType<typeof apiDocument>>;
    videoView(doc).properties.legacyField = { type: "string" };
    await writeFile(path.join(dir, "openapi.json"), `${JSON.stringify(doc, null, 2)}\n`);

    const run = promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/contract.ts", "--check", "--dir", dir], { cwd: ROOT });
    const failed = await run.then(
      () => expect.unreachable("the check passed on a stale copy"),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`${path.relative(ROOT, path.join(dir, "openapi.json"))}\n`);
    expect(failed.stderr).not.toContain("schema.ts");
    expect(failed.stderr).toContain("run `npm run contract`");
  });
});
