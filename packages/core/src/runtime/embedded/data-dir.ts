import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DATA_FOLDER_HINT, errnoCode, errorMessage, storageFull, VisibleError } from "../../error.js";

/** Why the OS refused, in words, and what to do about it. */
const REASONS: Record<string, { why: string; fix: string }> = {
  EACCES: { why: "permission denied", fix: "give this user write access to it" },
  EPERM: { why: "operation not permitted", fix: "give this user write access to it" },
  EROFS: { why: "the file system is read-only", fix: "use a folder on a writable disk" },
  ENOTDIR: { why: "a part of that path is a file, not a folder", fix: "move that file away" },
  EEXIST: { why: "a file of that name is in the way", fix: "move that file away" },
  ENAMETOOLONG: { why: "the path is too long", fix: "use a shorter path" },
  ELOOP: { why: "the path loops through symbolic links", fix: "fix the links" },
};

/**
 * The data folder as a user-visible error: a full disk is `storage.full`; any other refusal of
 * the OS (permissions, a read-only disk, a file in the way) is `data.unwritable` with the path,
 * the OS reason and what to do. Undefined for errors that are not about the file system.
 */
export function dataDirError(error: unknown, dataDir: string, action: "created" | "written"): VisibleError | undefined {
  const full = storageFull(error, { path: dataDir, hint: DATA_FOLDER_HINT });
  if (full) return full;
  const code = errnoCode(error);
  if (!code) return undefined;
  const reason = REASONS[code] ?? { why: errorMessage(error), fix: "check the folder" };
  return new VisibleError(
    "data.unwritable",
    `The data folder ${path.resolve(dataDir)} cannot be ${action}: ${reason.why} (${code}). ` +
      `Fix it (${reason.fix}), or set VOS_DATA_DIR to a folder this user can write.`,
    503,
    false,
  );
}

/** Creates the data folder (and its parents), explaining a refusal. */
export async function createDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw dataDirError(error, dataDir, "created") ?? error;
  }
}
