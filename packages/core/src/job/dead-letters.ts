/**
 * Dead letters as a tenant sees them: the jobs that gave up, with why, and a redrive that sends
 * one back to be run again. The consumer of the jobs queue revives a redriven job (fresh
 * attempts, its video queued), in every runtime; a redriven job whose video was deleted is
 * dropped there. Malformed messages belong to no tenant: an operator reads them on the queue.
 */
import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { VisibleError } from "../error.js";
import { JobMessage } from "../queue/job-queue.js";
import type { Services } from "../services.js";
import { videoTable } from "../video/video.sql.js";
import { jobTable } from "./job.sql.js";

export const deadLetterSchema = z.object({
  id: z.string().describe("the dead letter's id: what a redrive takes"),
  jobId: z.string(),
  videoId: z.string(),
  videoTitle: z.string().nullable().describe("null when the video was deleted since"),
  segment: z.number().int().nullable().describe("0-based; null when the job is gone"),
  reason: z.string(),
  failedAt: z.string().nullable(),
});
export type DeadLetterView = z.infer<typeof deadLetterSchema>;

const parse = (body: string): JobMessage | undefined => {
  try {
    const parsed = JobMessage.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** The tenant's dead letters, oldest first, among the first DEAD_LETTERS_SCANNED on the queue. */
export async function deadLetters(svc: Pick<Services, "db" | "queue">, tenantId: string): Promise<DeadLetterView[]> {
  const letters = (await svc.queue.deadLetters({ max: Number.MAX_SAFE_INTEGER }))
    .map((letter) => ({ letter, message: parse(letter.body) }))
    .filter((entry): entry is { letter: (typeof entry)["letter"]; message: JobMessage } => entry.message?.tenantId === tenantId);
  if (letters.length === 0) return [];
  const jobs = await svc.db
    .select({ id: jobTable.id, segment: jobTable.segment, title: videoTable.title })
    .from(jobTable)
    .leftJoin(videoTable, eq(videoTable.id, jobTable.videoId))
    .where(inArray(jobTable.id, [...new Set(letters.map((entry) => entry.message.jobId))]));
  const byId = new Map(jobs.map((job) => [job.id, job]));
  return letters.map(({ letter, message }) => {
    const job = byId.get(message.jobId);
    return {
      id: letter.id,
      jobId: message.jobId,
      videoId: message.videoId,
      videoTitle: job?.title ?? null,
      segment: job?.segment ?? null,
      reason: letter.reason,
      failedAt: letter.failedAt?.toISOString() ?? null,
    };
  });
}

export class DeadLetterNotFound extends VisibleError {
  constructor(id: string) {
    super("dead_letter.not_found", `No dead letter with id '${id}': it was redriven already, or the id is wrong.`, 404);
  }
}

/** Sends one of the tenant's dead letters back to the jobs queue. */
export async function redrive(svc: Pick<Services, "db" | "queue" | "log">, tenantId: string, id: string): Promise<DeadLetterView> {
  const letter = (await deadLetters(svc, tenantId)).find((entry) => entry.id === id);
  if (!letter || !(await svc.queue.redrive(id))) throw new DeadLetterNotFound(id);
  svc.log.info("dead letter redriven", { deadLetterId: id, jobId: letter.jobId, videoId: letter.videoId });
  return letter;
}
