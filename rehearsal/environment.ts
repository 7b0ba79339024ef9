/**
 * Each built function's environment for the rehearsal: the template's own variables, with the
 * values CloudFormation would fill in (bucket names, queue URLs, ARNs: tokens in the template)
 * taken from the local stand-ins, and `/opt` (where Lambda unpacks layers) mapped to the layer's
 * folder. A variable the rehearsal has no stand-in for stops it: a new setting must be wired
 * here, as the stack wires it on AWS.
 */
import path from "node:path";
import type { BuiltFunction } from "./build.js";
import { LAYER_ROOT } from "../stacks/model-layer.js";

export interface LocalResources {
  /** Values for the template's token variables, by variable name. */
  tokens: Record<string, string>;
  /** Added to every function: AWS endpoint and credentials of the emulators, the database URL, the Pinecone key. */
  common: Record<string, string>;
}

/** Variables whose place locally is taken by another (a URL instead of a Secrets Manager secret...). */
const REPLACED: Record<string, string> = {
  VOS_DATABASE_SECRET_ARN: "the database is reached by VOS_DATABASE_URL (no Secrets Manager locally)",
};

export function functionEnvironment(fn: Pick<BuiltFunction, "name" | "environment" | "layers">, local: LocalResources): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (name in REPLACED) continue;
    // SST's bound secret is fetched from SSM at cold start: the key comes in PINECONE_API_KEY.
    if (name.startsWith("SST_Secret_")) continue;
    if (typeof value === "string") {
      env[name] = value.startsWith(`${LAYER_ROOT}/`) ? inLayer(fn, value) : value;
      continue;
    }
    const stand = local.tokens[name];
    if (stand === undefined) throw new Error(`${fn.name}: the rehearsal has no local value for ${name} (${value.token.slice(0, 120)})`);
    env[name] = stand;
  }
  return { ...env, ...local.common };
}

/** A path under /opt as it is in the function's layer, unpacked here. */
function inLayer(fn: Pick<BuiltFunction, "name" | "layers">, value: string): string {
  if (fn.layers.length !== 1) throw new Error(`${fn.name}: ${value} names /opt, but the function has ${fn.layers.length} layers`);
  return path.join(fn.layers[0]!.dir, value.slice(LAYER_ROOT.length + 1));
}
