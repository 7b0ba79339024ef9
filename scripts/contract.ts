/**
 * `npm run contract`: writes the API contract (packages/contract: openapi.json and the types
 * generated from it). `-- --check` writes nothing and fails, naming the files, when any differs
 * from what the API gives now (CI runs it). `--dir <folder>` checks or writes another copy.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { CONTRACT_DIR, contractFiles, REGENERATE, staleFiles } from "@vos/contract/generate";

const args = process.argv.slice(2);
const check = args.includes("--check");
const given = args.includes("--dir") ? args[args.indexOf("--dir") + 1] : undefined;
const dir = given ? path.resolve(given) : CONTRACT_DIR;
const shown = (name: string) => path.relative(process.cwd(), path.join(dir, name));

const files = await contractFiles();
const stale = await staleFiles(files, dir);
if (check) {
  if (stale.length) {
    process.stderr.write(`The API contract is stale: these files differ from what the API generates now:\n${stale.map((f) => `  ${shown(f)}\n`).join("")}Fix: ${REGENERATE}.\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write("The API contract is up to date.\n");
  }
} else {
  for (const name of stale) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), files[name]!);
  }
  process.stdout.write(stale.length ? `Wrote ${stale.map(shown).join(", ")}.\n` : "The API contract is up to date.\n");
}
