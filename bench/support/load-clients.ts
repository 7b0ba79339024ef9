/**
 * HTTP clients for the load section: searches by words and by picture, and ingests through the
 * public API (register, upload, complete, poll), each request timed from sending to the last byte
 * of the answer and counted by status.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { latency, round, type Latency } from "./stats.js";

export type Kind = "word" | "picture";

export interface Outcome {
  kind: Kind;
  ms: number;
  /** HTTP status, or 0 when no usable answer came (connection refused or reset, a 200 that is not JSON). */
  status: number;
  /** A 200 whose moments of one video overlap (counted, so the load run checks that rule too). */
  overlapping: boolean;
}

interface Moment {
  kind: string;
  videoId: string;
  start: number;
  end: number;
}

function overlapping(hits: Moment[]): boolean {
  const frames = hits.filter((h) => h.kind === "frame").sort((a, b) => a.videoId.localeCompare(b.videoId) || a.start - b.start);
  return frames.some((h, i) => i > 0 && frames[i - 1]!.videoId === h.videoId && h.start < frames[i - 1]!.end);
}

async function timed(kind: Kind, send: () => Promise<Response>): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await send();
    const body = await response.text();
    const ms = performance.now() - started;
    const hits = response.status === 200 ? (JSON.parse(body) as { hits: Moment[] }).hits : [];
    return { kind, ms, status: response.status, overlapping: overlapping(hits) };
  } catch {
    return { kind, ms: performance.now() - started, status: 0, overlapping: false };
  }
}

export const searchWords = (url: string, text: string) =>
  timed("word", () => fetch(`${url}/api/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) }));

export function searchPicture(url: string, jpeg: Uint8Array, name: string) {
  return timed("picture", () => {
    const form = new FormData();
    form.set("image", new Blob([jpeg], { type: "image/jpeg" }), name);
    return fetch(`${url}/api/search/image`, { method: "POST", body: form });
  });
}

/**
 * `clients` loops at once, each sending the next request `next()` gives until it gives none;
 * the answers in the order they finished.
 */
export async function runClients(clients: number, next: () => (() => Promise<Outcome>) | undefined): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let request = next(); request; request = next()) outcomes.push(await request());
    }),
  );
  return outcomes;
}

export interface PhaseSummary {
  requests: number;
  wallSec: number;
  perSec: number;
  latency: Latency;
  byKind: Partial<Record<Kind, Latency>>;
  /** Answers by status ("0": no answer). */
  statuses: Record<string, number>;
  serverErrors: number;
  rateLimited: number;
  overlappingAnswers: number;
}

export function summarize(outcomes: Outcome[], wallMs: number): PhaseSummary {
  const statuses: Record<string, number> = {};
  for (const o of outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  const byKind: Partial<Record<Kind, Latency>> = {};
  for (const kind of ["word", "picture"] as const) {
    const ms = outcomes.filter((o) => o.kind === kind).map((o) => o.ms);
    if (ms.length > 0) byKind[kind] = latency(ms);
  }
  return {
    requests: outcomes.length,
    wallSec: round(wallMs / 1000),
    perSec: round(outcomes.length / (wallMs / 1000)),
    latency: latency(outcomes.map((o) => o.ms)),
    byKind,
    statuses,
    serverErrors: outcomes.filter((o) => o.status >= 500 || o.status === 0).length,
    rateLimited: statuses["429"] ?? 0,
    overlappingAnswers: outcomes.filter((o) => o.overlapping).length,
  };
}

export interface Ingested {
  videoId: string;
  /** Register to ready (or failed), milliseconds. */
  ms: number;
  status: string;
  frames: number;
}

/**
 * One ingest as the CLI does it: register, PUT the whole file, complete, then poll until ready
 * or failed. Every answer's status goes into `statuses` (polls included).
 */
export async function ingestOverHttp(url: string, file: string, statuses: Record<string, number>, pollMs = 500): Promise<Ingested> {
  const started = performance.now();
  const call = async (method: string, route: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${route}`, { method, ...init });
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    const body = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${body.slice(0, 500)}`);
    return JSON.parse(body) as unknown;
  };
  const json = { "content-type": "application/json" };
  const sizeBytes = (await stat(file)).size;
  const created = (await call("POST", "/api/videos", { headers: json, body: JSON.stringify({ filename: path.basename(file), sizeBytes, contentType: "video/mp4" }) })) as {
    video: { id: string };
    upload: { kind: string; url: string; headers: Record<string, string> };
  };
  if (created.upload.kind !== "put") throw new Error(`expected the local runtime's whole-file PUT, got ${created.upload.kind}`);
  const target = new URL(created.upload.url, url).href;
  const put = await fetch(target, { method: "PUT", headers: { ...created.upload.headers, "content-type": "video/mp4" }, body: await readFile(file) });
  statuses[put.status] = (statuses[put.status] ?? 0) + 1;
  if (!put.ok) throw new Error(`PUT upload: ${put.status} ${(await put.text()).slice(0, 500)}`);
  await put.arrayBuffer();
  const id = created.video.id;
  await call("POST", `/api/videos/${id}/complete`, { headers: json, body: "{}" });
  for (;;) {
    const video = (await call("GET", `/api/videos/${id}`)) as { status: string; frameCount: number };
    if (video.status === "ready" || video.status === "failed") return { videoId: id, ms: performance.now() - started, status: video.status, frames: video.frameCount };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export async function deleteOverHttp(url: string, videoId: string, statuses: Record<string, number>): Promise<void> {
  const response = await fetch(`${url}/api/videos/${videoId}`, { method: "DELETE" });
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  await response.arrayBuffer();
}
