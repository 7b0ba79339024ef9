/**
 * No secret can end up in a worker image: the build context leaves out environment files, keys,
 * the data folder and SST's state, and the Dockerfiles neither take secrets as build arguments
 * nor bake them into the environment. Tasks get the Pinecone key at run time from SSM (the task
 * definition's secrets) and the database password from Secrets Manager.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url);
const read = (file: string) => readFile(new URL(file, root), "utf8");
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i;

/** Instruction lines, continuation lines joined, comments dropped. */
const instructions = (dockerfile: string) =>
  dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));

describe("worker images", () => {
  it("build from a context without environment files, keys, data or deploy state", async () => {
    const ignored = (await read(".dockerignore")).split("\n").map((line) => line.trim());
    for (const pattern of [".env", ".env.*", "**/*.pem", "**/*.key", ".vos", ".sst", ".git", "**/node_modules"]) expect(ignored).toContain(pattern);
  });

  it.each(["packages/worker/Dockerfile", "packages/worker/Dockerfile.gpu"])("%s takes no secret and bakes none in", async (file) => {
    const lines = instructions(await read(file));
    expect(lines.some((line) => line.startsWith("FROM"))).toBe(true);
    for (const line of lines) {
      const [instruction, ...rest] = line.split(/\s+/);
      const args = rest.join(" ");
      if (instruction === "ARG") expect(args.split("=")[0]).not.toMatch(SECRET_NAME);
      if (instruction === "ENV") {
        const names = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!);
        expect(names.filter((name) => SECRET_NAME.test(name))).toEqual([]);
      }
      // Whole-context copies would carry whatever the context holds.
      if (instruction === "COPY" || instruction === "ADD") expect(args).not.toMatch(/(^|\s)\.\/?\s+\S+$/);
      // Registry credentials belong to BuildKit secret mounts, not to a file or a variable.
      expect(line).not.toMatch(/NPM_TOKEN|_authToken|--build-arg/i);
    }
    // The final image copies no npm configuration (where a registry token would live).
    const last = lines.length - 1 - [...lines].reverse().findIndex((line) => line.startsWith("FROM"));
    for (const line of lines.slice(last)) expect(line).not.toMatch(/\.npmrc/);
  });
});
