/**
 * The app built as `sst deploy` builds it (natives for linux x64, the model layer), offline:
 * every Lambda function's code folder and layers as they would be zipped and uploaded, with
 * their sizes against Lambda's limits.
 */
import { createReadStream } from "node:fs";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { createDeflateRaw } from "node:zlib";
import { folderBytes, LAMBDA_UNZIPPED_LIMIT } from "../stacks/bundling.js";
import { synthesize } from "../stacks/synthesize.js";
import type { FunctionCode } from "./support/lambda.js";

/** The sizes the project holds itself to (the API carries CLIP; nothing else carries a model). */
export const TARGET_BYTES = { api: 150 * 1e6, other: 15 * 1e6 } as const;

export interface BuiltFunction extends FunctionCode {
  stack: string;
  logicalId: string;
  /** The template's environment: literal values as deployed, tokens as `{ token }`. */
  environment: Record<string, string | { token: string }>;
  layers: BuiltLayer[];
}

export interface BuiltLayer {
  logicalId: string;
  dir: string;
}

/** A worker task definition: its container's environment, as ECS would start it. */
export interface BuiltTask {
  logicalId: string;
  environment: Record<string, string | { token: string }>;
}

export interface BuiltApp {
  outdir: string;
  functions: BuiltFunction[];
  tasks: BuiltTask[];
  ms: number;
}

const described = (variables: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === "string" ? value : { token: JSON.stringify(value) }]));

/** Synthesises stage `stage` with deploy bundles into `outdir` and lists the functions. */
export async function buildApp(options: { stage: string; outdir: string; env: Record<string, string | undefined> }): Promise<BuiltApp> {
  const started = performance.now();
  fs.rmSync(options.outdir, { recursive: true, force: true });
  const assembly = await synthesize({ stage: options.stage, outdir: options.outdir, nag: false, deployBundles: true, env: options.env });
  const functions: BuiltFunction[] = [];
  const tasks: BuiltTask[] = [];
  for (const stack of assembly.stacks) {
    const template = JSON.parse(fs.readFileSync(path.join(options.outdir, stack.templateFile), "utf8")) as {
      Resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
    };
    const assetDir = (key: unknown) => path.join(options.outdir, `asset.${String(key).replace(/\.zip$/, "")}`);
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type === "AWS::ECS::TaskDefinition") {
        const [container] = (resource.Properties?.ContainerDefinitions ?? []) as Array<{ Environment?: Array<{ Name: string; Value: unknown }> }>;
        tasks.push({ logicalId, environment: described(Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]))) });
        continue;
      }
      const handler = resource.Properties?.Handler as string | undefined;
      if (resource.Type !== "AWS::Lambda::Function" || !handler?.startsWith("packages/functions/src/")) continue;
      const variables = (resource.Properties?.Environment?.Variables ?? {}) as Record<string, unknown>;
      const layers = ((resource.Properties?.Layers ?? []) as Array<{ Ref?: string }>).map((ref) => {
        const layer = template.Resources[ref.Ref ?? ""];
        if (layer?.Type !== "AWS::Lambda::LayerVersion") throw new Error(`${logicalId}: layer ${JSON.stringify(ref)} is not a layer of ${stack.stackName}`);
        return { logicalId: ref.Ref!, dir: assetDir(layer.Properties?.Content?.S3Key) };
      });
      functions.push({
        name: handler.slice("packages/functions/src/".length, handler.lastIndexOf(".")),
        stack: stack.stackName,
        logicalId,
        dir: assetDir(resource.Properties?.Code?.S3Key),
        handler,
        timeoutSec: Number(resource.Properties?.Timeout ?? 3),
        environment: described(variables),
        layers,
      });
    }
  }
  return { outdir: options.outdir, functions, tasks, ms: Math.round(performance.now() - started) };
}

/** Bytes of the folder as a zip archive (deflate, level 9, as CDK zips assets) would take. */
export async function zippedBytes(dir: string): Promise<number> {
  let total = 22; // end of central directory
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const name = Buffer.byteLength(path.relative(dir, file));
    let compressed = 0;
    await pipeline(
      createReadStream(file),
      createDeflateRaw({ level: 9 }),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          compressed += chunk.length;
          done();
        },
      }),
    );
    const stored = fs.statSync(file).size;
    total += 30 + name + Math.min(compressed, stored) + 46 + name; // local header, data, central record
  }
  return total;
}

export interface FunctionSize {
  name: string;
  unzippedBytes: number;
  zippedBytes: number;
  /** Function and layers together, against Lambda's 250 MB. */
  withLayersBytes: number;
  targetBytes: number;
  ok: boolean;
}

/** Each function's code and layers, unzipped and zipped, checked against the targets and Lambda's limit. */
export async function measureFunctions(functions: BuiltFunction[]): Promise<FunctionSize[]> {
  const sizes: FunctionSize[] = [];
  for (const fn of functions) {
    const unzippedBytes = folderBytes(fn.dir);
    const withLayersBytes = unzippedBytes + fn.layers.reduce((sum, layer) => sum + folderBytes(layer.dir), 0);
    const targetBytes = fn.name === "api" ? TARGET_BYTES.api : TARGET_BYTES.other;
    sizes.push({
      name: fn.name,
      unzippedBytes,
      zippedBytes: await zippedBytes(fn.dir),
      withLayersBytes,
      targetBytes,
      ok: unzippedBytes <= targetBytes && withLayersBytes <= LAMBDA_UNZIPPED_LIMIT,
    });
  }
  return sizes;
}

export async function measureLayers(functions: BuiltFunction[]): Promise<{ name: string; unzippedBytes: number; zippedBytes: number }[]> {
  const seen = new Map<string, string>();
  for (const fn of functions) for (const layer of fn.layers) seen.set(layer.dir, `${fn.name} layer ${layer.logicalId.replace(/[0-9A-F]{8}$/, "")}`);
  const layers = [];
  for (const [dir, name] of seen) layers.push({ name, unzippedBytes: folderBytes(dir), zippedBytes: await zippedBytes(dir) });
  return layers;
}
