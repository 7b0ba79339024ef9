import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cycles, importGraph } from "../import-cycles.js";

const roots: string[] = [];
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

/** A throwaway repository with packages/demo/src holding `files`. */
function repo(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "vos-cycles-"));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, "packages/demo/src", name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return root;
}

describe("npm run check:cycles", () => {
  it("finds a cycle through three modules, and names each file in it", async () => {
    const root = repo({
      "a.ts": 'import { b } from "./b.js";\nexport const a = () => b();\n',
      "b.ts": 'import { c } from "./sub/c.js";\nexport const b = () => c();\n',
      "sub/c.ts": 'import { a } from "../a.js";\nexport const c = () => a;\n',
      "free.ts": 'import { a } from "./a.js";\nexport const free = a;\n',
    });
    expect(cycles(await importGraph(root))).toEqual([["packages/demo/src/a.ts", "packages/demo/src/b.ts", "packages/demo/src/sub/c.ts"]]);
  });

  it("does not count type-only imports (they are gone at run time)", async () => {
    const root = repo({
      "a.ts": 'import type { B } from "./b.js";\nexport interface A { b?: B }\nexport const a = 1;\n',
      "b.ts": 'import { a } from "./a.js";\nexport interface B { n: number }\nexport const b = a;\n',
    });
    expect(cycles(await importGraph(root))).toEqual([]);
  });

  it("finds none in this repository", async () => {
    expect(cycles(await importGraph())).toEqual([]);
  });
});
