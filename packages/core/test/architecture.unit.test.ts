/**
 * docs/architecture.md's port table against packages/core/src: every port's folder exists, its
 * port file and every adapter file listed exist in it, and the folder defines the port's interface
 * and exports it from its index.ts. Also the rule the layout stands for: a port folder's barrel
 * and the embedded runtime's load no cloud SDK, and nothing outside runtime/ imports runtime/.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SRC = path.join(REPO, "packages/core/src");
const DOC = path.join(REPO, "docs/architecture.md");

/** The ports the domain and the runtimes work through: the table must list each of them. */
const PORTS = ["BlobStore", "JobQueue", "VectorStore", "UploadTargets", "TaskLauncher", "Embedder", "ObjectDetector", "Database"];
const RUNTIMES = new Set(["embedded", "cloud", "both"]);
const CLOUD_SDK = /^@aws-sdk\/|^@pinecone-database\//;

interface PortRow {
  port: string;
  folder: string;
  portFile: string | undefined;
  adapters: { file: string; runtime: string }[];
}

/** The rows of the table headed `| Port | folder | adapters (file: runtime) |`, or undefined without one. */
function portTable(markdown: string): PortRow[] | undefined {
  const lines = markdown.split("\n");
  const header = lines.findIndex((line) => /^\|\s*Port\s*\|\s*folder\s*\|\s*adapters \(file: runtime\)\s*\|\s*$/.test(line));
  if (header < 0) return undefined;
  const rows: PortRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const [port = "", folderCell = "", adapterCell = ""] = line.split("|").slice(1, -1).map((cell) => cell.trim());
    const ticks = [...folderCell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rows.push({
      port: port.replace(/`/g, ""),
      folder: ticks[0] ?? "",
      portFile: ticks[1],
      adapters: [...adapterCell.matchAll(/`([^`]+\.ts)`:\s*([a-z]+)/g)].map((m) => ({ file: m[1]!, runtime: m[2]! })),
    });
  }
  return rows;
}

const exists = (file: string) => fs.existsSync(file);
const read = (file: string) => fs.readFileSync(file, "utf8");

/** What is wrong with the table against the sources under `src`: nothing when it is true. */
function problemsOf(markdown: string, src = SRC): string[] {
  const rows = portTable(markdown);
  if (!rows) return ["no port table (| Port | folder | adapters (file: runtime) |) in docs/architecture.md"];
  const problems: string[] = [];
  for (const port of PORTS) if (!rows.some((row) => row.port === port)) problems.push(`${port}: not in the port table`);
  for (const row of rows) {
    const folder = path.join(src, row.folder);
    if (!row.folder.endsWith("/") || !exists(folder) || !fs.statSync(folder).isDirectory()) {
      problems.push(`${row.port}: no folder ${row.folder} under packages/core/src`);
      continue;
    }
    const files = fs.readdirSync(folder).filter((name) => name.endsWith(".ts"));
    const defines = new RegExp(`export\\s+(?:interface|type)\\s+${row.port}\\b`);
    if (row.portFile && !exists(path.join(folder, row.portFile))) problems.push(`${row.port}: no port file ${row.folder}${row.portFile}`);
    else if (row.portFile && !defines.test(read(path.join(folder, row.portFile)))) problems.push(`${row.port}: ${row.folder}${row.portFile} does not define it`);
    if (!files.some((name) => defines.test(read(path.join(folder, name))))) problems.push(`${row.port}: no file of ${row.folder} defines it`);
    const index = path.join(folder, "index.ts");
    const exported = exists(index) && new RegExp(`export\\s+(?:type\\s+)?\\{[^}]*\\b${row.port}\\b[^}]*\\}`).test(read(index));
    if (!exported) problems.push(`${row.port}: ${row.folder}index.ts does not export it`);
    if (row.adapters.length === 0) problems.push(`${row.port}: no adapter listed`);
    for (const adapter of row.adapters) {
      if (!exists(path.join(folder, adapter.file))) problems.push(`${row.port}: no adapter file ${row.folder}${adapter.file}`);
      if (!RUNTIMES.has(adapter.runtime)) problems.push(`${row.port}: ${adapter.file} runs in "${adapter.runtime}", not embedded, cloud or both`);
    }
  }
  return problems;
}

/** Modules `file` loads when it runs (type-only imports and exports left out), resolved to files. */
function runtimeImports(file: string): { local: string[]; packages: string[] } {
  const source = read(file);
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
    if (m[2]) continue;
    const spec = m[3]!;
    if (spec.startsWith(".")) local.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
    else packages.push(spec);
  }
  for (const m of source.matchAll(/^import\s+"([^"]+)"/gm)) if (!m[1]!.startsWith(".")) packages.push(m[1]!);
  return { local, packages };
}

/** The cloud SDK packages `entry` loads, through every module it loads, each with the file that imports it. */
function cloudSdksLoadedBy(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file) || !exists(file)) return;
    seen.add(file);
    const { local, packages } = runtimeImports(file);
    for (const name of packages) if (CLOUD_SDK.test(name)) found.push(`${name} (${path.relative(SRC, file)})`);
    local.forEach(visit);
  };
  visit(entry);
  return found;
}

describe("docs/architecture.md", () => {
  const doc = read(DOC);

  it("lists every port with its folder, port file and adapters as they are in packages/core/src", () => {
    expect(problemsOf(doc)).toEqual([]);
    expect(portTable(doc)!.map((row) => row.port).sort()).toEqual([...PORTS].sort());
  });

  it("fails when the table is missing, or names a folder, a port file or an adapter that is not there", () => {
    expect(problemsOf(doc.replace(/^\| Port \|.*$/m, "| Ports |"))).toEqual([expect.stringContaining("no port table")]);
    expect(problemsOf(doc.replace("`blob/` (`blob-store.ts`)", "`blobs/` (`blob-store.ts`)"))).toEqual([expect.stringContaining("BlobStore: no folder blobs/")]);
    expect(problemsOf(doc.replace("`sqs.ts`: cloud", "`sqs-job-queue.ts`: cloud"))).toEqual([expect.stringContaining("no adapter file queue/sqs-job-queue.ts")]);
    expect(problemsOf(doc.replace("`launcher/` (`task-launcher.ts`)", "`launcher/` (`ecs.ts`)"))).toEqual([expect.stringContaining("launcher/ecs.ts does not define it")]);
    expect(problemsOf(doc.replace(/^\| `Embedder` \|.*\n/m, ""))).toEqual(["Embedder: not in the port table"]);
  });

  it("is linked from the README and from docs/cloud-runtime.md", () => {
    expect(read(path.join(REPO, "README.md"))).toContain("docs/architecture.md");
    expect(read(path.join(REPO, "docs/cloud-runtime.md"))).toContain("(architecture.md)");
  });
});

describe("the layout's rules", () => {
  it("keeps the AWS and Pinecone SDKs out of the port barrels and the embedded runtime", () => {
    const entries = ["blob", "queue", "vector", "uploads", "launcher", "db", "embedder", "detector", "runtime/embedded"].map((folder) => path.join(SRC, folder, "index.ts"));
    for (const entry of entries) expect(exists(entry), entry).toBe(true);
    expect(entries.flatMap(cloudSdksLoadedBy)).toEqual([]);
    // The check sees an SDK where there is one: the cloud runtime loads them all.
    expect(cloudSdksLoadedBy(path.join(SRC, "runtime/cloud/index.ts"))).toEqual(expect.arrayContaining([expect.stringMatching(/^@aws-sdk\/client-s3/), expect.stringMatching(/^@pinecone-database/)]));
  });

  it("lets nothing outside runtime/ import a runtime", () => {
    const files = fs
      .readdirSync(SRC, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".ts") && !name.startsWith(`runtime${path.sep}`))
      .map((name) => path.join(SRC, name));
    const offenders = files.filter((file) => runtimeImports(file).local.some((target) => target.startsWith(path.join(SRC, "runtime") + path.sep)));
    expect(offenders.map((file) => path.relative(SRC, file))).toEqual([]);
  });
});
