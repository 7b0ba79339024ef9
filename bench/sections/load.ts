/**
 * The real server under load: `vos serve` (embedded runtime, as `npm start` runs it) in a child
 * process with a fresh data folder and the ViT-B/32-sized bench model, a few videos ingested
 * first; then, each round, (a) 16 search clients sending 2,000 requests (words, and every
 * PICTURE_EVERY-th a picture) and (b) 6 ingests at once through the API while 4 search clients
 * keep searching, after which the round's videos are deleted. Per phase: throughput, latency,
 * answers by status; per round: the server's RSS before and after, and its peak.
 *
 * Both model halves run 8-bit (VOS_CLIP_DTYPE=q8, as the cloud API is packaged): a word query
 * then costs about half what fp32 does, which keeps three rounds of 2,000 requests within minutes
 * on 2 cores while the search path (model, pgvector, hydration, HTTP) stays the real one.
 *
 * The default rate limits (120 searches and 60 uploads a minute) would turn most of this into
 * 429s; the server gets VOS_RATE_SEARCH/VOS_RATE_UPLOADS of a million a minute instead, so the
 * token bucket is still taken on every request (its cost stays in the numbers) but never empties.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import path from "node:path";
import { benchModelDir } from "../support/bench-model.js";
import { deleteOverHttp, ingestOverHttp, runClients, searchPicture, searchWords, summarize, type Ingested, type Outcome, type PhaseSummary } from "../support/load-clients.js";
import { loadMedia } from "../support/load-videos.js";
import { searchPhrases } from "../support/queries.js";
import { latency, round } from "../support/stats.js";
import { renderTable } from "../support/table.js";
import { startVosServer, type VosServer } from "../support/vos-server.js";
import type { BenchContext, Cell, SectionResult, Table } from "../types.js";

const PICTURE_EVERY = 8;
const MB = 2 ** 20;

interface RoundResult {
  round: number;
  search: PhaseSummary;
  ingest: PhaseSummary & { ingests: Ingested[]; ingestWallSec: number; ingestMs: ReturnType<typeof latency> };
  rssMb: { start: number; afterSearch: number; afterIngest: number; afterDelete: number; peak: number };
}

/** Samples the server's RSS every 250 ms until stopped; the highest seen. */
function peakSampler(server: VosServer) {
  let peak = 0;
  const sample = () => server.memory().then((m) => (peak = Math.max(peak, m.rss)), () => undefined);
  const timer = setInterval(() => void sample(), 250);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      return peak;
    },
  };
}

/** What the server runs with besides its data folder and model (see the header). */
const SERVER_ENV = { VOS_CLIP_DTYPE: "q8", VOS_RATE_SEARCH: "1000000", VOS_RATE_UPLOADS: "1000000" };

const rssMb = async (server: VosServer) => round((await server.memory()).rss / MB, 0);

export async function run(context: BenchContext): Promise<SectionResult> {
  const settings = {
    rounds: context.quick ? 2 : 3,
    searchClients: 16,
    searchRequests: context.quick ? 300 : 2000,
    pictureEvery: PICTURE_EVERY,
    ingestsAtOnce: 6,
    ingestSearchClients: 4,
    preloadVideos: 3,
    clipSec: 10,
    clip: "640x360 H.264, a cut every 2 s between colours and test patterns",
    model: "clip-vit-b32-random-v1, both halves q8 (VOS_CLIP_DTYPE=q8)",
    server: { ...SERVER_ENV, VOS_WORKERS: "1 (default)", VOS_DETECTOR: "centernet (default)", sampling: "default" },
  };
  const model = await benchModelDir();
  const media = await loadMedia(context.cacheDir, settings.ingestsAtOnce, settings.clipSec);
  const stills = await Promise.all(media.stills.map((file) => readFile(file)));
  const phrases = searchPhrases(200);
  const dataDir = await mkdtemp(path.join(context.tmpDir, "data-"));
  context.progress("starting vos serve");
  const server = await startVosServer(context.repoRoot, { VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: model.dir, ...SERVER_ENV });
  const ingestStatuses: Record<string, number> = {};
  const rounds: RoundResult[] = [];
  let startRssMb = 0;
  try {
    startRssMb = await rssMb(server);
    context.progress(`ingesting ${settings.preloadVideos} videos first`);
    const preload = await Promise.all(media.clips.slice(0, settings.preloadVideos).map((clip) => ingestOverHttp(server.url, clip, ingestStatuses)));
    if (preload.some((v) => v.status !== "ready")) throw new Error(`a preload ingest failed: ${JSON.stringify(preload)}\n${server.log()}`);
    // Warm both model halves, so round 1 measures searching rather than loading.
    await searchWords(server.url, phrases[0]!);
    await searchPicture(server.url, stills[0]!, "warm.jpg");
    const warmRssMb = await rssMb(server);

    let sent = 0;
    const request = (i: number) =>
      i % PICTURE_EVERY === PICTURE_EVERY - 1 ? () => searchPicture(server.url, stills[i % stills.length]!, `q${i}.jpg`) : () => searchWords(server.url, phrases[i % phrases.length]!);
    for (let r = 1; r <= settings.rounds; r++) {
      const start = await rssMb(server);
      const peak = peakSampler(server);
      context.progress(`round ${r}: ${settings.searchRequests} searches from ${settings.searchClients} clients`);
      let left = settings.searchRequests;
      let started = performance.now();
      const searched = await runClients(settings.searchClients, () => (left-- > 0 ? request(sent++) : undefined));
      const search = summarize(searched, performance.now() - started);
      const afterSearch = await rssMb(server);

      context.progress(`round ${r}: ${settings.ingestsAtOnce} ingests at once, ${settings.ingestSearchClients} search clients`);
      let ingesting = true;
      started = performance.now();
      const ingestsDone = Promise.all(media.clips.map((clip) => ingestOverHttp(server.url, clip, ingestStatuses))).finally(() => (ingesting = false));
      const during: Outcome[] = await runClients(settings.ingestSearchClients, () => (ingesting ? request(sent++) : undefined));
      const ingests = await ingestsDone;
      const wallMs = performance.now() - started;
      const afterIngest = await rssMb(server);
      for (const video of ingests) await deleteOverHttp(server.url, video.videoId, ingestStatuses);
      const afterDelete = await rssMb(server);
      rounds.push({
        round: r,
        search,
        ingest: { ...summarize(during, wallMs), ingests, ingestWallSec: round(wallMs / 1000), ingestMs: latency(ingests.map((v) => v.ms)) },
        rssMb: { start, afterSearch, afterIngest, afterDelete, peak: round((await peak.stop()) / MB, 0) },
      });
    }
    return report(settings, rounds, ingestStatuses, { startRssMb, warmRssMb }, server);
  } finally {
    const code = await server.stop();
    if (code !== 0) context.progress(`vos serve exited with ${code}:\n${server.log().slice(-4000)}`);
  }
}

const statusText = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, n]) => `${status === "0" ? "no answer" : status}: ${n}`)
    .join(", ");

function report(
  settings: Record<string, unknown>,
  rounds: RoundResult[],
  ingestStatuses: Record<string, number>,
  memory: { startRssMb: number; warmRssMb: number },
  server: VosServer,
): SectionResult {
  const phaseRow = (r: RoundResult, name: string, p: PhaseSummary): Cell[] => [
    r.round,
    name,
    p.requests,
    p.perSec,
    p.latency.p50,
    p.latency.p95,
    p.latency.p99,
    p.byKind.word?.p50 ?? null,
    p.byKind.picture?.p50 ?? null,
    statusText(p.statuses),
  ];
  const phases: Table = {
    title: "Searches per phase (latency in ms, from the client: request sent to last byte)",
    columns: ["round", "phase", "requests", "req/s", "p50", "p95", "p99", "words p50", "picture p50", "answers"],
    rows: rounds.flatMap((r) => [phaseRow(r, "16 clients, searches only", r.search), phaseRow(r, "4 clients, 6 ingests at once", r.ingest)]),
  };
  const ingests: Table = {
    title: "Six ingests at once (register, upload, complete, poll until ready)",
    columns: ["round", "wall s", "per video p50 s", "max s", "ready", "frames"],
    rows: rounds.map((r) => [
      r.round,
      r.ingest.ingestWallSec,
      round(r.ingest.ingestMs.p50 / 1000),
      round(r.ingest.ingestMs.max / 1000),
      `${r.ingest.ingests.filter((v) => v.status === "ready").length}/${r.ingest.ingests.length}`,
      r.ingest.ingests.reduce((sum, v) => sum + v.frames, 0),
    ]),
  };
  const rss: Table = {
    title: `Server RSS (MB): ${memory.startRssMb} at start, ${memory.warmRssMb} after the first ingests and one search of each kind`,
    columns: ["round", "start", "after searches", "after ingests", "after deletes", "peak"],
    rows: rounds.map((r) => [r.round, r.rssMb.start, r.rssMb.afterSearch, r.rssMb.afterIngest, r.rssMb.afterDelete, r.rssMb.peak]),
  };
  const first = rounds[0]!;
  const last = rounds[rounds.length - 1]!;
  const growthMb = last.rssMb.afterDelete - first.rssMb.afterDelete;
  const serverErrors = rounds.reduce((sum, r) => sum + r.search.serverErrors + r.ingest.serverErrors, 0) + Object.entries(ingestStatuses).filter(([s]) => Number(s) >= 500).reduce((sum, [, n]) => sum + n, 0);
  const rateLimited = rounds.reduce((sum, r) => sum + r.search.rateLimited + r.ingest.rateLimited, 0) + (ingestStatuses["429"] ?? 0);
  const overlapping = rounds.reduce((sum, r) => sum + r.search.overlappingAnswers + r.ingest.overlappingAnswers, 0);
  const result: SectionResult = {
    title: `vos serve under load: ${rounds.length} rounds of 16 search clients x ${first.search.requests} requests, then 6 ingests with 4 search clients`,
    settings,
    metrics: {
      rounds: rounds.map((r) => ({ ...r, ingest: { ...r.ingest, ingests: r.ingest.ingests.map(({ ms, status, frames }) => ({ ms: round(ms), status, frames })) } })),
      ingestRequestStatuses: ingestStatuses,
      serverErrors,
      rateLimited,
      overlappingAnswers: overlapping,
      rss: { ...memory, growthMbFirstToLastRound: growthMb },
    },
    tables: [phases, ingests, rss],
    notes: [
      `rate limits raised for the bench (VOS_RATE_SEARCH=1000000, VOS_RATE_UPLOADS=1000000): 429s ${rateLimited}; 5xx or no answer ${serverErrors}`,
      `ingest API calls (register, upload, complete, polls, deletes): ${statusText(ingestStatuses)}`,
      `answers whose moments of one video overlap: ${overlapping}`,
      `RSS after the deletes, round 1 to round ${last.round}: ${growthMb >= 0 ? "+" : ""}${growthMb} MB`,
      "one process holds the API, the worker pool, both CLIP halves, the detector and PGlite: searches and ingests share its 2 cores",
    ],
  };
  if (serverErrors > 0 || overlapping > 0) {
    const tables = result.tables.map(renderTable).join("\n\n");
    throw new Error(`${serverErrors} answers were 5xx or missing, ${overlapping} had overlapping moments:\n${tables}\n\nserver log:\n${server.log().slice(-4000)}`);
  }
  return result;
}
