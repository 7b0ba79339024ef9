/**
 * Text search latency over 100,000 stored frame vectors (dimension 512): the ViT-B/32-sized text
 * encoder embeds the query, the vector index answers, the project's search hydrates the hits from
 * the database into moments (`Search.byVector`, frames only). Side by side, query by query:
 *  - pgvector in PGlite (the embedded runtime: one PGlite holds the rows and the vectors), HNSW
 *    built after a bulk load, as docs/environment.md recommends;
 *  - the Pinecone adapter against the project's local Pinecone-protocol server holding the same
 *    vectors. That server scans all vectors exactly in JavaScript, so its query time is split
 *    into the server's scan and the client side (SDK, JSON, HTTP), the latter measured with the
 *    same requests against a namespace of 50 vectors.
 * Also: recall@10 of pgvector's HNSW against exact search, load and index-build times, and the
 * adapters' upsert rates.
 *
 * Building the HNSW index over 100,000 vectors in PGlite (WebAssembly, one thread) takes minutes,
 * so the loaded database is kept as a dump in `.cache/bench/` under a key made of the vector
 * table's and the migrations' DDL and the data settings; later runs load the dump and report the
 * build times measured when it was made.
 */
import { createHash } from "node:crypto";
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createLogger, Frame, Search, type Services } from "@vos/core";
import { createFileBlobStore } from "@vos/core/blob";
import { createPineconeStore } from "@vos/core/runtime/cloud";
import { schema } from "@vos/core/db";
import { loadClipEmbedder, type Embedder } from "@vos/core/embedder";
import { createDbJobQueue } from "@vos/core/queue";
import { createLocalUploadTargets } from "@vos/core/uploads";
import { createPgvectorStore, vectorId, vectorTableName, type VectorIndex, type VectorRecord, type VectorStore } from "@vos/core/vector";
import { startPineconeServer, type PineconeServer } from "../../packages/core/test/support/pinecone-server.js";
import { benchModelDir } from "../support/bench-model.js";
import { binaryCopy, openBenchDatabase, type BenchDatabase, type CopyValue } from "../support/pglite.js";
import { searchPhrases } from "../support/queries.js";
import { latency, round, since, type Latency } from "../support/stats.js";
import {
  exactTopK,
  FRAME_SPACING_SEC,
  gaussianSource,
  generateLibrary,
  imageLikeQuery,
  LIBRARY_GENERATOR,
  textLikeQuery,
  uniformSource,
  videoIdOf,
  type Library,
  type LibraryOptions,
} from "../support/vectors.js";
import type { BenchContext, SectionResult, Table } from "../types.js";

const CACHE_VERSION = "v1";
const TENANT = "bench";
const MODEL = "vos/clip-vit-b32-random-v1";
const DIMENSION = 512;
const PINECONE_INDEX = "bench";
/** Namespace of 50 vectors: the same requests with next to no server work. */
const OVERHEAD_NAMESPACE = "overhead";
const LIMIT = 10;
/** What Search asks the index for (limit x its overfetch of 5). */
const SEARCH_TOP_K = 50;
const WARMUP = 5;
/** topKs asked in the recall runs (recall is of the first 10 returned). */
const RECALL_TOP_KS = [10, SEARCH_TOP_K, 200];
/** Vectors a pipeline upserts at once (VOS_EMBED_BATCH's default). */
const PIPELINE_BATCH = 16;

interface Sizes {
  library: LibraryOptions;
  latencyQueries: number;
  recallQueries: number;
  pineconeAdapterUpserts: number;
  incrementalUpserts: number;
}

function sizes(quick: boolean): Sizes {
  return {
    library: { videos: quick ? 200 : 1000, framesPerVideo: 100, dimension: DIMENSION, seed: 42 },
    latencyQueries: quick ? 40 : 200,
    recallQueries: quick ? 20 : 100,
    pineconeAdapterUpserts: quick ? 500 : 2000,
    incrementalUpserts: quick ? 96 : 480,
  };
}

interface BuildStats {
  builtAt: string;
  vectors: number;
  generateMs: number;
  rowsMs: number;
  copyMs: number;
  indexBuildMs: number;
  analyzeMs: number;
  dumpMs: number;
  dumpBytes: number;
  maintenanceWorkMem: string;
  indexDefinition: string;
}

const frameRecord = (library: Library, i: number): VectorRecord => {
  const frame = library.frames[i]!;
  const dim = library.options.dimension;
  return {
    id: vectorId.frame(frame.videoId, frame.frameNo),
    values: library.vectors.subarray(i * dim, (i + 1) * dim),
    metadata: { videoId: frame.videoId, kind: "frame", timeSec: frame.timeSec, frameNo: frame.frameNo },
  };
};

/** The DDL the cached database depends on: every table's columns and every index. */
async function schemaKey(database: BenchDatabase, library: LibraryOptions): Promise<string> {
  const columns = await database.sql.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await database.sql.query(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`);
  return createHash("sha256")
    .update(JSON.stringify({ CACHE_VERSION, LIBRARY_GENERATOR, library, columns, indexes, MODEL }))
    .digest("hex")
    .slice(0, 12);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Bulk-loads rows and vectors into a fresh database, builds the HNSW index, dumps it to `dumpFile`. */
async function build(context: BenchContext, database: BenchDatabase, library: Library, generateMs: number, dumpFile: string): Promise<BuildStats> {
  const { frames } = library;
  const total = frames.length;
  context.progress(`inserting ${library.options.videos} video rows and ${total} frame rows`);
  let started = performance.now();
  const videos = Array.from({ length: library.options.videos }, (_, video) => ({
    id: videoIdOf(video),
    tenantId: TENANT,
    title: `Benchmark video ${video + 1}`,
    filename: `bench-${video + 1}.mp4`,
    contentType: "video/mp4",
    status: "ready" as const,
    sizeBytes: 50_000_000,
    blobKey: `${TENANT}/uploads/${videoIdOf(video)}`,
    durationSec: library.options.framesPerVideo * FRAME_SPACING_SEC,
    width: 1280,
    height: 720,
    fps: 30,
    codec: "h264",
    frameCount: library.options.framesPerVideo,
  }));
  for (let i = 0; i < videos.length; i += 1000) await database.db.insert(schema.videoTable).values(videos.slice(i, i + 1000));
  for (let i = 0; i < total; i += 5000) {
    await Frame.upsertMany(
      database.db,
      frames.slice(i, i + 5000).map((frame) => ({
        videoId: frame.videoId,
        frameNo: frame.frameNo,
        tenantId: TENANT,
        timeSec: frame.timeSec,
        endSec: frame.timeSec + FRAME_SPACING_SEC,
        reason: "interval" as const,
        thumbnailKey: Frame.thumbnailKey(TENANT, frame.videoId, frame.frameNo),
      })),
    );
  }
  const rowsMs = since(started);

  // The adapter creates its table with the HNSW index; drop it, bulk-load, build it once.
  const table = vectorTableName(MODEL, DIMENSION);
  const [hnsw] = await database.sql.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%USING hnsw%'`,
    [table],
  );
  if (!hnsw) throw new Error(`the pgvector adapter made no HNSW index on ${table}`);
  await database.sql.query(`DROP INDEX ${hnsw.indexname}`);
  context.progress(`COPY of ${total} vectors`);
  started = performance.now();
  const chunk = 10_000;
  for (let start = 0; start < total; start += chunk) {
    const rows = function* (): Generator<CopyValue[]> {
      for (let i = start; i < Math.min(total, start + chunk); i++) {
        const record = frameRecord(library, i);
        yield [
          { text: TENANT },
          { text: record.id },
          { text: record.metadata.videoId },
          { text: record.metadata.kind },
          { vector: record.values as Float32Array },
          { jsonb: record.metadata },
        ];
      }
    };
    await database.pg.query(`COPY ${table} (namespace, id, video_id, kind, embedding, metadata) FROM '/dev/blob' WITH (FORMAT binary)`, [], {
      blob: binaryCopy(rows()),
    });
  }
  const copyMs = since(started);
  // The graph of 100,000 x 512 floats needs ~250 MB; with less, pgvector builds far slower.
  const maintenanceWorkMem = "1GB";
  await database.sql.query(`SET maintenance_work_mem = '${maintenanceWorkMem}'`);
  context.progress(`building the HNSW index over ${total} vectors (minutes in PGlite; cached afterwards)`);
  started = performance.now();
  await database.sql.query(hnsw.indexdef);
  const indexBuildMs = since(started);
  started = performance.now();
  await database.sql.query(`ANALYZE`);
  const analyzeMs = since(started);

  context.progress("dumping the database into the cache");
  started = performance.now();
  const dump = await database.pg.dumpDataDir("none");
  const bytes = new Uint8Array(await dump.arrayBuffer());
  await mkdir(path.dirname(dumpFile), { recursive: true });
  const temp = `${dumpFile}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, dumpFile);
  const dumpMs = since(started);
  return {
    builtAt: new Date().toISOString(),
    vectors: total,
    generateMs: round(generateMs),
    rowsMs: round(rowsMs),
    copyMs: round(copyMs),
    indexBuildMs: round(indexBuildMs),
    analyzeMs: round(analyzeMs),
    dumpMs: round(dumpMs),
    dumpBytes: bytes.byteLength,
    maintenanceWorkMem,
    indexDefinition: hnsw.indexdef,
  };
}

/** The loaded database, from the cache when its key matches, else built now. */
async function loadedDatabase(context: BenchContext, library: Library, generateMs: number) {
  const fresh = await openBenchDatabase();
  await (await createPgvectorStore(fresh.sql)).index(MODEL, DIMENSION);
  const key = await schemaKey(fresh, library.options);
  const dumpFile = path.join(context.cacheDir, `search-${library.frames.length}-${key}.tar`);
  const statsFile = `${dumpFile}.json`;
  if ((await exists(dumpFile)) && (await exists(statsFile))) {
    await fresh.close();
    context.progress(`loading the cached database ${path.basename(dumpFile)}`);
    const started = performance.now();
    try {
      const database = await openBenchDatabase(new Blob([await readFile(dumpFile)]));
      const stats = JSON.parse(await readFile(statsFile, "utf8")) as BuildStats;
      return { database, stats, builtThisRun: false, loadMs: since(started), cacheFile: dumpFile };
    } catch (error) {
      context.progress(`the cached database did not load (${error instanceof Error ? error.message : String(error)}): rebuilding`);
      await rm(dumpFile, { force: true });
      return loadedDatabase(context, library, generateMs);
    }
  }
  // Dumps of the same size with another key are stale (older code or schema): make room.
  const prefix = `search-${library.frames.length}-`;
  for (const file of await readdir(context.cacheDir).catch(() => [] as string[])) {
    if (file.startsWith(prefix) && !file.startsWith(path.basename(dumpFile))) await rm(path.join(context.cacheDir, file), { force: true });
  }
  const stats = await build(context, fresh, library, generateMs, dumpFile);
  await writeFile(statsFile, JSON.stringify(stats, null, 2) + "\n");
  return { database: fresh, stats, builtThisRun: true, loadMs: 0, cacheFile: dumpFile };
}

/**
 * How often PostgreSQL scanned the HNSW index and the whole table so far: tells whether the
 * planner used the index for the adapter's queries (it may prefer an exact sequential scan).
 */
async function scanCounts(database: BenchDatabase): Promise<{ hnsw: number; sequential: number }> {
  const table = vectorTableName(MODEL, DIMENSION);
  await database.sql.query(`SELECT pg_stat_force_next_flush()`);
  await database.sql.query(`SELECT pg_stat_clear_snapshot()`);
  const [row] = await database.sql.query<{ hnsw: number | null; sequential: number | null }>(
    `SELECT (SELECT sum(s.idx_scan) FROM pg_stat_user_indexes s JOIN pg_indexes i ON i.indexname = s.indexrelname
              WHERE s.relname = $1 AND i.indexdef ILIKE '%USING hnsw%')::int AS hnsw,
            (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = $1)::int AS sequential`,
    [table],
  );
  return { hnsw: row?.hnsw ?? 0, sequential: row?.sequential ?? 0 };
}

const scansSince = (before: { hnsw: number; sequential: number }, after: { hnsw: number; sequential: number }) => ({
  hnsw: after.hnsw - before.hnsw,
  sequential: after.sequential - before.sequential,
});

/** A VectorStore whose indexes add the time spent in query() to `clock.ms`. */
function timedStore(store: VectorStore, clock: { ms: number }): VectorStore {
  return {
    ...store,
    async index(model, dimension) {
      const index = await store.index(model, dimension);
      return {
        ...index,
        async query(namespace, query) {
          const started = performance.now();
          try {
            return await index.query(namespace, query);
          } finally {
            clock.ms += since(started);
          }
        },
      };
    },
  };
}

async function services(context: BenchContext, database: BenchDatabase, vectors: VectorStore, embedder: Embedder): Promise<Services> {
  return {
    db: database.db,
    blobs: createFileBlobStore(path.join(context.tmpDir, "blobs"), (key) => `/api/files/${key}`),
    uploads: createLocalUploadTargets(),
    queue: await createDbJobQueue(database.sql, { maxReceiveCount: 4 }),
    vectors,
    embedder: async () => embedder,
    settings: {
      clipModel: MODEL,
      maxUploadBytes: 1e9,
      maxDurationSec: 3600,
      maxAttempts: 3,
      segmentSec: 0,
      visibilityTimeoutSec: 60,
      sampling: { fps: 1, sceneThreshold: 0.25, dedup: true, maxGapSec: 10 },
      frameWidth: 640,
      embedBatch: PIPELINE_BATCH,
    },
    log: createLogger({ bench: "search" }),
  };
}

/** Fills the local Pinecone server: a sample through the adapter (timed), the rest directly. */
async function fillPinecone(context: BenchContext, server: PineconeServer, index: VectorIndex, library: Library, viaAdapter: number) {
  context.progress(`Pinecone: ${viaAdapter} vectors through the adapter, the rest straight into the server`);
  const records = Array.from({ length: Math.min(viaAdapter, library.frames.length) }, (_, i) => frameRecord(library, i));
  let started = performance.now();
  await index.upsert(TENANT, records);
  const adapterMs = since(started);
  started = performance.now();
  const stored = server.vectors(PINECONE_INDEX, TENANT);
  if (stored.size !== records.length) throw new Error(`the Pinecone server holds ${stored.size} vectors after upserting ${records.length}`);
  for (let i = records.length; i < library.frames.length; i++) {
    const record = frameRecord(library, i);
    const { videoId, kind, timeSec, frameNo } = record.metadata;
    // What the adapter stores: flat metadata plus the model.
    stored.set(record.id, { id: record.id, values: Array.from(record.values), metadata: { videoId, kind, timeSec, frameNo, model: MODEL } });
  }
  const directMs = since(started);
  await index.upsert(OVERHEAD_NAMESPACE, Array.from({ length: SEARCH_TOP_K }, (_, i) => frameRecord(library, i)));
  return { adapterUpserts: records.length, adapterMs, adapterVectorsPerSec: records.length / (adapterMs / 1000), directMs };
}

/** What the caption-like rows say about the top-K search asks for. */
function captionNote(runs: { topK: number; targetFrames: number | null; exactTargetFrames: number | null }[] | undefined): string[] {
  const asked = runs?.find((r) => r.topK === SEARCH_TOP_K);
  if (!asked || asked.targetFrames === null || asked.exactTargetFrames === null) return [];
  return [
    `Caption-like queries at the topK search asks (${SEARCH_TOP_K}): HNSW's top 10 holds ${asked.targetFrames.toFixed(1)} frames of the scene the query was made for, exact search ${asked.exactTargetFrames.toFixed(1)}: queries far from all data are where HNSW loses most.`,
  ];
}

/** recall@10 of `ids` (best first) against the exact top 10. */
function recallAt10(found: string[], exact: string[]): number {
  const truth = new Set(exact.slice(0, 10));
  return found.slice(0, 10).filter((id) => truth.has(id)).length / truth.size;
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const settings = sizes(context.quick);
  const total = settings.library.videos * settings.library.framesPerVideo;
  const model = await benchModelDir();

  context.progress(`generating ${total} frame vectors`);
  let started = performance.now();
  const library = generateLibrary(settings.library);
  const generateMs = since(started);
  const loaded = await loadedDatabase(context, library, generateMs);
  const { database } = loaded;
  const server = await startPineconeServer();
  try {
    const pgClock = { ms: 0 };
    const pcClock = { ms: 0 };
    const pgStore = await createPgvectorStore(database.sql);
    server.createIndex(PINECONE_INDEX, DIMENSION);
    const pcStore = createPineconeStore({
      apiKey: server.apiKey,
      index: PINECONE_INDEX,
      controllerHost: server.url,
      host: server.hostOf(PINECONE_INDEX),
      log: createLogger({ bench: "search" }),
    });
    const pgIndex = await pgStore.index(MODEL, DIMENSION);
    const pcIndex = await pcStore.index(MODEL, DIMENSION);
    const pineconeFill = await fillPinecone(context, server, pcIndex, library, settings.pineconeAdapterUpserts);

    context.progress("loading the ViT-B/32-sized model");
    started = performance.now();
    const embedder = await loadClipEmbedder({ model: model.dir, batchSize: 1 });
    const modelLoadMs = since(started);
    const pgSvc = await services(context, database, timedStore(pgStore, pgClock), embedder);
    const pcSvc = await services(context, database, timedStore(pcStore, pcClock), embedder);
    const filters = Search.filtersSchema.parse({ kinds: ["frame"], limit: LIMIT });

    // Latency, query by query, both paths side by side (alternating which goes first).
    const phrases = searchPhrases(settings.latencyQueries + WARMUP);
    const samples = { embed: [] as number[], pgQuery: [] as number[], pgHydrate: [] as number[], pgTotal: [] as number[] };
    const pc = { query: [] as number[], hydrate: [] as number[], total: [] as number[], overhead: [] as number[] };
    const textVectors: Float32Array[] = [];
    let sameFirst = 0;
    context.progress(`${settings.latencyQueries} text queries (+${WARMUP} warm-up) through both paths`);
    const latencyScansBefore = await scanCounts(database);
    for (const [i, phrase] of phrases.entries()) {
      started = performance.now();
      const [vector] = await embedder.embedTexts([phrase]);
      const embedMs = since(started);
      if (!vector || !vector.every(Number.isFinite)) throw new Error(`the text encoder gave no finite vector for "${phrase}"`);
      const searchWith = async (svc: Services, clock: { ms: number }) => {
        clock.ms = 0;
        const t = performance.now();
        const hits = await Search.byVector(svc, TENANT, MODEL, vector, filters);
        return { hits, totalMs: since(t), queryMs: clock.ms };
      };
      const order = i % 2 === 0 ? [pgSvc, pcSvc] : [pcSvc, pgSvc];
      const first = await searchWith(order[0]!, order[0] === pgSvc ? pgClock : pcClock);
      const second = await searchWith(order[1]!, order[1] === pgSvc ? pgClock : pcClock);
      const [pgRun, pcRun] = order[0] === pgSvc ? [first, second] : [second, first];
      started = performance.now();
      await pcIndex.query(OVERHEAD_NAMESPACE, { vector, topK: SEARCH_TOP_K, filter: { kind: "frame" } });
      const overheadMs = since(started);
      if (pgRun.hits.length === 0 || pcRun.hits.length === 0) throw new Error(`no hits for "${phrase}" (pgvector ${pgRun.hits.length}, Pinecone ${pcRun.hits.length})`);
      if (i < WARMUP) continue;
      textVectors.push(vector);
      const [a, b] = [pgRun.hits[0]!, pcRun.hits[0]!];
      if (a.videoId === b.videoId && a.frameNo === b.frameNo) sameFirst++;
      samples.embed.push(embedMs);
      samples.pgQuery.push(pgRun.queryMs);
      samples.pgHydrate.push(pgRun.totalMs - pgRun.queryMs);
      samples.pgTotal.push(embedMs + pgRun.totalMs);
      pc.query.push(pcRun.queryMs);
      pc.hydrate.push(pcRun.totalMs - pcRun.queryMs);
      pc.total.push(embedMs + pcRun.totalMs);
      pc.overhead.push(overheadMs);
    }

    const latencyScans = scansSince(latencyScansBefore, await scanCounts(database));

    // Recall@10 of HNSW (through the adapter) against exact search, three kinds of query.
    context.progress(`recall@10 on ${3 * settings.recallQueries} queries`);
    const normal = gaussianSource(99);
    const uniform = uniformSource(98);
    const sets: Record<string, { vector: Float32Array; scene?: number }[]> = {
      "text (bench model's text encoder)": textVectors.slice(0, settings.recallQueries).map((vector) => ({ vector })),
      "caption-like (cosine ~0.3 to one scene)": Array.from({ length: settings.recallQueries }, () => textLikeQuery(library, normal, uniform)),
      "image-like (a new frame of a stored scene)": Array.from({ length: settings.recallQueries }, () => imageLikeQuery(library, normal, uniform)),
    };
    const idOf = (i: number) => frameRecord(library, i).id;
    const sceneOfId = new Map(library.frames.map((frame, i) => [idOf(i), frame.scene]));
    type Scans = { hnsw: number; sequential: number };
    type Recall = { topK: number; recall: number; cosineLost: number; targetFrames: number | null; exactTargetFrames: number | null; meanQueryMs: number; scans: Scans };
    const recall: Record<string, Recall[]> = {};
    const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
    for (const [name, queries] of Object.entries(sets)) {
      const exact = queries.map((query) => exactTopK(library, query.vector, 10));
      const planted = queries.every((query) => query.scene !== undefined);
      const exactTargets = mean(queries.map((query, i) => exact[i]!.filter((hit) => library.frames[hit.index]!.scene === query.scene).length));
      recall[name] = [];
      for (const topK of RECALL_TOP_KS) {
        const before = await scanCounts(database);
        let sum = 0;
        let lost = 0;
        let targets = 0;
        let ms = 0;
        for (const [i, query] of queries.entries()) {
          started = performance.now();
          const matches = (await pgIndex.query(TENANT, { vector: query.vector, topK, filter: { kind: "frame" } })).slice(0, 10);
          ms += since(started);
          sum += recallAt10(matches.map((m) => m.id), exact[i]!.map((hit) => idOf(hit.index)));
          lost += mean(exact[i]!.map((hit) => hit.score)) - mean(matches.map((m) => m.score));
          targets += matches.filter((m) => sceneOfId.get(m.id) === query.scene).length;
        }
        recall[name]!.push({
          topK,
          recall: round(sum / queries.length, 3),
          cosineLost: round(lost / queries.length, 4),
          targetFrames: planted ? round(targets / queries.length, 2) : null,
          exactTargetFrames: planted ? round(exactTargets, 2) : null,
          meanQueryMs: round(ms / queries.length),
          scans: scansSince(before, await scanCounts(database)),
        });
      }
    }

    // Upserts through the pgvector adapter into the 100,000-vector table with its HNSW index
    // (what ingest does), in pipeline-sized batches; removed afterwards.
    context.progress(`${settings.incrementalUpserts} pgvector adapter upserts with the HNSW index in place`);
    const extra = Array.from({ length: settings.incrementalUpserts }, (_, i) => {
      const record = frameRecord(library, i);
      return { ...record, id: `bench-extra#f${i}`, metadata: { ...record.metadata, videoId: "bench-extra", frameNo: i } };
    });
    started = performance.now();
    for (let i = 0; i < extra.length; i += PIPELINE_BATCH) await pgIndex.upsert(TENANT, extra.slice(i, i + PIPELINE_BATCH));
    const incrementalMs = since(started);
    await pgIndex.deleteByPrefix(TENANT, "bench-extra#");

    const lat = {
      embed: latency(samples.embed),
      pgvector: { query: latency(samples.pgQuery), hydrate: latency(samples.pgHydrate), total: latency(samples.pgTotal) },
      pinecone: { query: latency(pc.query), hydrate: latency(pc.hydrate), total: latency(pc.total), clientOverhead: latency(pc.overhead) },
    };
    const row = (label: string, l: Latency) => [label, l.p50, l.p95, l.p99, l.mean];
    const serverScanP50 = round(lat.pinecone.query.p50 - lat.pinecone.clientOverhead.p50);
    const latencyTable: Table = {
      title: `Text search latency over ${total.toLocaleString("en-US")} frame vectors (ms; ${settings.latencyQueries} queries, both paths per query)`,
      columns: ["stage", "p50", "p95", "p99", "mean"],
      rows: [
        row("embed the text (ViT-B/32-sized text encoder, batch 1)", lat.embed),
        row("pgvector (PGlite HNSW): index query", lat.pgvector.query),
        row("pgvector: hydrate (frame rows, titles, moments)", lat.pgvector.hydrate),
        row("pgvector: total = embed + query + hydrate", lat.pgvector.total),
        row("Pinecone adapter -> local server: index query", lat.pinecone.query),
        row("  of which client side (same query, 50-vector namespace)", lat.pinecone.clientOverhead),
        row("Pinecone: hydrate", lat.pinecone.hydrate),
        row("Pinecone: total = embed + query + hydrate", lat.pinecone.total),
      ],
    };
    const build = loaded.stats;
    const when = loaded.builtThisRun ? "this run" : `cached (built ${build.builtAt.slice(0, 16).replace("T", " ")})`;
    const loadTable: Table = {
      title: "Loading the vectors",
      columns: ["step", "ms", "rate", "when"],
      rows: [
        ["generate the frame vectors (JS)", round(generateMs), null, "this run"],
        [`insert ${settings.library.videos} video + ${total} frame rows (drizzle)`, build.rowsMs, null, when],
        [`pgvector: COPY (binary) of ${build.vectors} vectors, no index`, build.copyMs, `${Math.round(build.vectors / (build.copyMs / 1000))}/s`, when],
        [`pgvector: CREATE INDEX ... USING hnsw (maintenance_work_mem ${build.maintenanceWorkMem})`, build.indexBuildMs, `${Math.round(build.vectors / (build.indexBuildMs / 1000))}/s`, when],
        ["pgvector: ANALYZE", build.analyzeMs, null, when],
        ["load the cached database dump into PGlite", loaded.builtThisRun ? null : round(loaded.loadMs), `${Math.round(build.dumpBytes / 1e6)} MB`, "this run"],
        [
          `pgvector adapter upserts into the indexed table (batches of ${PIPELINE_BATCH})`,
          round(incrementalMs),
          `${Math.round(extra.length / (incrementalMs / 1000))}/s`,
          "this run",
        ],
        [`Pinecone adapter upsert of ${pineconeFill.adapterUpserts} vectors -> local server`, round(pineconeFill.adapterMs), `${Math.round(pineconeFill.adapterVectorsPerSec)}/s`, "this run"],
        [`Pinecone: the other ${total - pineconeFill.adapterUpserts} put straight into the server`, round(pineconeFill.directMs), null, "this run"],
        ["load the ViT-B/32-sized model", round(modelLoadMs), null, "this run"],
      ],
    };
    const plan = (scans: Scans) => (scans.sequential === 0 ? "HNSW" : scans.hnsw === 0 ? "seq scan" : `HNSW ${scans.hnsw}, seq ${scans.sequential}`);
    const recallTable: Table = {
      title:
        `recall@10 of pgvector through the adapter against exact search (${settings.recallQueries} queries a kind), by the topK asked ` +
        `(the adapter widens hnsw.ef_search with it; search asks ${SEARCH_TOP_K}); cosine lost = exact top 10's mean cosine minus the returned one's`,
      columns: ["queries", "topK", "recall@10", "cosine lost", "target-scene frames in top 10 (exact)", "query ms (mean)", "plan"],
      rows: Object.entries(recall).flatMap(([name, runs]) =>
        runs.map((r) => [
          name,
          r.topK,
          r.recall,
          r.cosineLost,
          r.targetFrames === null ? null : `${r.targetFrames.toFixed(1)} (${r.exactTargetFrames!.toFixed(1)})`,
          r.meanQueryMs,
          plan(r.scans),
        ]),
      ),
    };
    return {
      title: `Search: text query -> moments over ${total.toLocaleString("en-US")} frame vectors, pgvector (PGlite) and the Pinecone adapter side by side`,
      settings: {
        vectors: total,
        dimension: DIMENSION,
        library: settings.library,
        latencyQueries: settings.latencyQueries,
        warmup: WARMUP,
        recallQueriesPerKind: settings.recallQueries,
        search: { limit: LIMIT, kinds: ["frame"], topK: SEARCH_TOP_K },
        model: { dir: path.relative(context.repoRoot, model.dir), batchSize: 1 },
        pgvector: { runtime: "PGlite in process, in memory", index: build.indexDefinition, maintenanceWorkMem: build.maintenanceWorkMem },
        pinecone: { server: "packages/core/test/support/pinecone-server.ts (exact scan in JavaScript)", overheadNamespaceVectors: SEARCH_TOP_K },
        cache: { file: path.relative(context.repoRoot, loaded.cacheFile), builtThisRun: loaded.builtThisRun, builtAt: build.builtAt },
      },
      metrics: {
        latencyMs: lat,
        pineconeServerScanP50Ms: serverScanP50,
        ratios: {
          pineconeOverPgvectorQueryP50: round(lat.pinecone.query.p50 / lat.pgvector.query.p50),
          pineconeOverPgvectorTotalP50: round(lat.pinecone.total.p50 / lat.pgvector.total.p50),
          embedShareOfPgvectorTotalP50: round(lat.embed.p50 / lat.pgvector.total.p50),
        },
        sameFirstMoment: round(sameFirst / settings.latencyQueries, 3),
        pgvectorScansDuringLatency: latencyScans,
        recallAt10: recall,
        load: {
          ...build,
          builtThisRun: loaded.builtThisRun,
          cacheLoadMs: loaded.builtThisRun ? null : round(loaded.loadMs),
          pgvectorIncrementalUpsert: { vectors: extra.length, batch: PIPELINE_BATCH, ms: round(incrementalMs), perVectorMs: round(incrementalMs / extra.length) },
          pinecone: { ...pineconeFill, adapterMs: round(pineconeFill.adapterMs), adapterVectorsPerSec: round(pineconeFill.adapterVectorsPerSec), directMs: round(pineconeFill.directMs) },
          modelLoadMs: round(modelLoadMs),
        },
      },
      tables: [latencyTable, recallTable, loadTable],
      notes: [
        `The local Pinecone server scans all ${total.toLocaleString("en-US")} vectors in JavaScript (~${serverScanP50} ms at p50); a real Pinecone index answers from its own ANN index over the network, so of its row only the client side carries over.`,
        `pgvector plan during the latency run: ${latencyScans.hnsw} HNSW index scans, ${latencyScans.sequential} sequential scans for ${settings.latencyQueries + WARMUP} searches (a sequential scan is exact but reads every vector).`,
        `pgvector and Pinecone returned the same first moment for ${Math.round((100 * sameFirst) / settings.latencyQueries)}% of the queries (Pinecone's scan is exact).`,
        "The bench model's text vectors point in random directions relative to the synthetic library (no real match); caption-like queries match one scene about as well as CLIP captions match their frames, and sit as far from every stored vector as text queries do from image embeddings.",
        ...captionNote(recall["caption-like (cosine ~0.3 to one scene)"]),
        "Times were measured on a shared 2-core machine: compare rows of one run, not runs.",
      ],
    };
  } finally {
    await server.close();
    await database.close();
  }
}
