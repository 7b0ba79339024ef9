/**
 * Draws the API contract from the API itself: the OpenAPI document the Hono app serves at
 * /api/openapi.json (from the zod schemas that validate requests), and the TypeScript types
 * openapi-typescript writes from it. Node only: the web app imports `@vos/contract`, never this.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Services } from "@vos/core";
import { createApi } from "@vos/functions/api/app";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import ts from "typescript";

/** The package folder the generated files live in. */
export const CONTRACT_DIR = fileURLToPath(new URL("..", import.meta.url));

/** What to do when a generated file differs from what the API gives now. */
export const REGENERATE = "run `npm run contract` and commit the result";

/**
 * The document as `vos serve` serves it. Building the routes reads one setting and drawing the
 * document runs no handler, so no database or model is needed; anything else a future route
 * reads while being built fails here by name rather than drawing a document from nothing.
 */
export async function apiDocument(): Promise<OpenAPI3> {
  const settings = { maxUploadBytes: 0 };
  const services = new Proxy({ settings } as Partial<Services>, {
    get(target, key) {
      if (key in target) return target[key as keyof Services];
      throw new Error(`The API document is drawn without services, but building the routes read services.${String(key)}.`);
    },
  }) as Services;
  const response = await createApi({ services, tenantOf: () => "local" }).request("/api/openapi.json");
  if (!response.ok) throw new Error(`GET /api/openapi.json answered ${response.status}.`);
  return (await response.json()) as OpenAPI3;
}

const SCHEMA_HEADER = "// Generated from openapi.json by `npm run contract` (openapi-typescript): do not edit.\n\n";

/** Every generated file, by its path in the package, with the text it should hold. */
export async function contractFiles(document?: OpenAPI3): Promise<Record<string, string>> {
  const doc = document ?? (await apiDocument());
  // A file field (`format: binary`) is a Blob (a File keeps its name) on both clients, not a string.
  const blob = ts.factory.createTypeReferenceNode("Blob");
  const transform = (schema: { format?: string }) => (schema.format === "binary" ? blob : undefined);
  const types = astToString(await openapiTS(structuredClone(doc), { silent: true, transform }));
  return {
    "openapi.json": `${JSON.stringify(doc, null, 2)}\n`,
    "src/schema.ts": SCHEMA_HEADER + types,
  };
}

/** The files under `dir` that are missing or differ from `files`. */
export async function staleFiles(files: Record<string, string>, dir = CONTRACT_DIR): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const current = await readFile(path.join(dir, name), "utf8").catch(() => undefined);
    if (current !== text) stale.push(name);
  }
  return stale;
}
