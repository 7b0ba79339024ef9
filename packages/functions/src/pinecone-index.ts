/**
 * Deploy-time script: creates the Pinecone serverless index (cosine, the model's dimension) when
 * it does not exist yet, and waits until it is ready. An existing index of another dimension
 * stops the deploy, with what to do.
 */
import { createLogger, setLogLevel } from "@vos/core";
import { ensurePineconeIndex, loadCloudConfig } from "@vos/core/runtime/cloud";
import { pineconeKeyFromSst } from "./secrets.js";

export async function handler(): Promise<{ index: string; created: boolean; host: string; dimension: number }> {
  const config = loadCloudConfig(process.env, "pinecone-index");
  setLogLevel(config.logLevel);
  const pinecone = config.pinecone!;
  const result = await ensurePineconeIndex({
    apiKey: pinecone.apiKey ?? (await pineconeKeyFromSst()),
    index: pinecone.index,
    dimension: pinecone.dimension,
    cloud: pinecone.cloud,
    region: pinecone.region,
    ...(pinecone.controllerHost ? { controllerHost: pinecone.controllerHost } : {}),
    log: createLogger({ function: "pinecone-index" }),
  });
  return { index: pinecone.index, ...result };
}
