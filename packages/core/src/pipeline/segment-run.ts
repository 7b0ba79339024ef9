/**
 * A run's segments as the pipeline meets them: planning a long video's run into segment jobs, the
 * part of the video each job samples, finishing the run when its last segment succeeds, and a
 * segment failing for good. The plan itself (boundaries, lead-ins) is segments.ts.
 */
import * as Job from "../job/index.js";
import type { MediaInfo, SampleFramesOptions } from "../media/index.js";
import { stitchTracks } from "../object/stitch.js";
import type { Services } from "../services.js";
import * as Video from "../video/index.js";
import { describeSegment, leadInSec, planSegments, SEGMENT_FRAME_STRIDE } from "./segments.js";

type Tx = Parameters<Parameters<Services["db"]["transaction"]>[0]>[0];

/** The part of the video a job samples: the whole of it, or its segment with the lead-in before it. */
export function partOf(job: Job.JobRow, info: MediaInfo, maxGapSec: number): { startSec: number; spanSec: number; firstFrameNo: number; range: SampleFramesOptions["range"] } {
  const startSec = job.startSec ?? 0;
  const endSec = job.endSec ?? info.durationSec;
  const firstFrameNo = job.segment * SEGMENT_FRAME_STRIDE;
  const whole = startSec === 0 && job.endSec === null;
  const range = whole ? undefined : { startSec, endSec: job.endSec ?? Infinity, leadInSec: leadInSec({ startSec }, maxGapSec), firstFrameNo };
  return { startSec, spanSec: Math.max(0, endSec - startSec), firstFrameNo, range };
}

/**
 * Splits the run of a video longer than one segment: a job per other segment, their messages,
 * then this job narrowed to segment 0. Marking the plan last means an attempt that died before
 * the end plans again: the jobs are made once (deterministic ids), and a message is sent again
 * only for a segment nobody has begun.
 */
export async function planRun(svc: Services, job: Job.JobRow, info: MediaInfo, log: Services["log"]): Promise<Job.JobRow> {
  const plan = planSegments(info.durationSec, svc.settings.segmentSec, svc.settings.sampling.maxGapSec);
  if (svc.settings.segmentSec > 0 && !(info.durationSec > 0)) log.warn("the video's length is unknown: processed as one job, not in segments");
  const [first, ...rest] = plan;
  if (rest.length > 0) {
    const waiting = await svc.db.transaction((tx) => Job.addSegments(tx, job, plan));
    for (const sibling of waiting) await svc.queue.send({ jobId: sibling.id, videoId: job.videoId, tenantId: job.tenantId });
    log.info("split into segments", { segments: plan.length, segmentSec: (first!.endSec ?? 0) - first!.startSec, queued: waiting.length });
  }
  await svc.db.transaction(async (tx) => {
    await Job.setRange(tx, job.id, first!);
    await Video.setSegments(tx, job.videoId, plan.length);
  });
  return { ...job, startSec: first!.startSec, endSec: first!.endSec };
}

/**
 * After a job of the run succeeded: the video's counts from its rows, and `ready` once every
 * segment has succeeded, with the tracks that cross segment boundaries joined. The video's row is
 * locked first, so two segments finishing at once cannot both miss that the other one was the last.
 */
export async function finishRun(tx: Tx, videoId: string, runId: string): Promise<{ ready: boolean; segments: number; left: number }> {
  const video = await Video.lockRow(tx, videoId);
  const jobs = await Job.ofRun(tx, runId);
  await Video.recount(tx, videoId);
  const left = jobs.filter((job) => job.status !== "succeeded").length;
  const ready = left === 0 && video?.status === "processing";
  if (ready && jobs.length > 1) await stitchTracks(tx, videoId, SEGMENT_FRAME_STRIDE);
  if (ready) await Video.setStatus(tx, videoId, { status: "ready" });
  return { ready, segments: jobs.length, left };
}

/**
 * One segment of a split run failed for good: the video fails with the segment's reason, but
 * what the other segments made (and this one committed) stays searchable, the upload stays for
 * them, and `retry` runs only the failed segments again.
 */
export async function failSegment(svc: Services, job: Job.JobRow, error: Pick<Job.Failure, "code" | "message">): Promise<void> {
  const reason = await svc.db.transaction(async (tx) => {
    const video = await Video.lockRow(tx, job.videoId);
    await Job.fail(tx, job.id, error);
    const message = `Segment ${describeSegment({ segment: job.segment, startSec: job.startSec ?? 0, endSec: job.endSec }, video?.segments ?? 1)}: ${error.message}`;
    if (video && video.status !== "deleting") await Video.setStatus(tx, job.videoId, { status: "failed", errorCode: error.code, errorMessage: message });
    await Video.recount(tx, job.videoId);
    return message;
  });
  svc.log.warn("segment failed", { jobId: job.id, videoId: job.videoId, segment: job.segment, code: error.code, reason });
}
