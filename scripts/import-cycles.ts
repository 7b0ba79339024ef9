/**
 * `npm run check:cycles`: fails when a module of packages/<name>/src imports itself back through
 * other modules (an import cycle: the load order then decides what a module sees). Reads the
 * import graph esbuild resolves (what runs: type-only imports are not in it) and lists each cycle
 * as the files it goes through.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts"))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** The import graph of the packages' sources: file -> files it imports. */
export async function importGraph(root = ROOT): Promise<Map<string, string[]>> {
  const entryPoints = fs
    .readdirSync(path.join(root, "packages"))
    .map((name) => path.join(root, "packages", name, "src"))
    .filter((dir) => fs.existsSync(dir))
    .flatMap(sourceFiles);
  const result = await build({ entryPoints, bundle: true, write: false, metafile: true, outdir: "out", platform: "neutral", packages: "external", logLevel: "silent", absWorkingDir: root, jsx: "automatic", loader: { ".svg": "empty", ".css": "empty" } });
  const graph = new Map<string, string[]>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    graph.set(file, input.imports.filter((i) => !i.external && !i.path.startsWith("<")).map((i) => i.path));
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const to of graph.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = cycles(await importGraph());
  if (found.length === 0) {
    console.log("No import cycle in packages/*/src.");
  } else {
    console.error(`${found.length} import cycle(s) in packages/*/src:`);
    for (const cycle of found) console.error(`  ${cycle.join(" <-> ")}`);
    process.exitCode = 1;
  }
}
