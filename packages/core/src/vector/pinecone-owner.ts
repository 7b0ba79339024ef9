/**
 * Which Pinecone index holds a model's vectors. A Pinecone namespace is a tenant's, and vector ids
 * are the video's (`<videoId>#f<frameNo>`), so two models in one index would overwrite each
 * other. The deployment's index (VOS_PINECONE_INDEX) belongs to one model, recorded in the index
 * itself as an owner record in a namespace of its own; every other model's vectors go to an index
 * of their own, named from the deployment's and the model's key.
 */
import { createHash } from "node:crypto";
import type { Index } from "@pinecone-database/pinecone";
import type { Metadata } from "./pinecone-requests.js";

/** Where the owner record lives: no tenant is named so. */
export const OWNER = { namespace: "__vos", id: "owner" } as const;

/** Pinecone index names are at most 45 characters: the deployment's name, a dash and 8 hex digits. */
const BASE_CHARS = 36;

/** The index for model `key`'s vectors when the deployment's index belongs to another model. */
export function modelIndexName(base: string, key: string): string {
  return `${base.slice(0, BASE_CHARS)}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

/** Whether `name` is one of the deployment's model indexes (for deleting a video from all of them). */
export function isModelIndex(base: string, name: string): boolean {
  const stem = base.slice(0, BASE_CHARS);
  return name.startsWith(`${stem}-`) && /^[0-9a-f]{8}$/.test(name.slice(stem.length + 1));
}

/**
 * The model the index belongs to: its owner record's, else (an index filled before owners were
 * recorded) the model of a vector in it, else undefined (an empty index, nobody's yet).
 */
export async function ownerOf(index: Index<Metadata>): Promise<string | undefined> {
  const recorded = (await index.fetch({ namespace: OWNER.namespace, ids: [OWNER.id] })).records?.[OWNER.id];
  if (recorded?.metadata?.model) return String(recorded.metadata.model);
  const stats = await index.describeIndexStats();
  const filled = Object.entries(stats.namespaces ?? {}).find(([namespace, summary]) => namespace !== OWNER.namespace && (summary.recordCount ?? 0) > 0);
  if (!filled) return undefined;
  const page = await index.listPaginated({ namespace: filled[0], limit: 1 });
  const id = page.vectors?.[0]?.id;
  if (!id) return undefined;
  const sample = (await index.fetch({ namespace: filled[0], ids: [id] })).records?.[id];
  return sample?.metadata?.model ? String(sample.metadata.model) : undefined;
}

/** Records `model` as the index's owner (a unit vector of the index's dimension carries it). */
export async function recordOwner(index: Index<Metadata>, model: string, dimension: number): Promise<void> {
  const values = Array.from({ length: dimension }, (_, i) => (i === 0 ? 1 : 0));
  await index.upsert({ namespace: OWNER.namespace, records: [{ id: OWNER.id, values, metadata: { model, videoId: "", kind: "owner", timeSec: 0, frameNo: 0 } }] });
}
