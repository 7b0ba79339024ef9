import type { VectorIndex, VectorRecord, VectorStore } from "../../src/vector/index.js";

/**
 * Runs `hook` before each upsert into the services' vector indexes, from now on: it may throw (a
 * store away, bad data) or wait (to hold a job at a known point). Runtimes read `services.vectors`
 * for each job, so jobs started later see the hook.
 */
export function onUpsert(services: { vectors: VectorStore }, hook: (records: VectorRecord[]) => Promise<void>): void {
  const vectors = services.vectors;
  services.vectors = {
    ...vectors,
    async index(model, dimension) {
      const index = await vectors.index(model, dimension);
      return {
        ...index,
        async upsert(namespace, records) {
          await hook(records);
          return index.upsert(namespace, records);
        },
      } satisfies VectorIndex;
    },
  };
}
