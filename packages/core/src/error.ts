import { statfsSync } from "node:fs";
import path from "node:path";

/**
 * Errors a user may see. The code is dotted (`video.not_found`) and stable; the message says
 * what went wrong and, where there is one, what to do about it. `status` is the HTTP status the
 * API answers with; `permanent` tells the pipeline not to retry (bad input never gets better).
 */
export class VisibleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 423 | 429 | 503 | 507 = 400,
    readonly permanent = true,
  ) {
    super(message);
    this.name = "VisibleError";
  }
}

export function isVisibleError(error: unknown): error is VisibleError {
  return error instanceof VisibleError;
}

/**
 * The message of anything thrown, for logs and stored failure reasons. Not every throw is an
 * Error: PGlite's file system throws `{ name: "ErrnoError", errno }`, which would print as
 * `[object Object]`.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null) {
    const { message, name, errno } = error as { message?: unknown; name?: unknown; errno?: unknown };
    if (typeof message === "string" && message) return message;
    if (typeof errno === "number") return `${typeof name === "string" ? name : "error"} ${wasmErrnoName(errno) ?? `errno ${errno}`}`;
    try {
      return JSON.stringify(error).slice(0, 500);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Sizes in messages.

const UNITS = ["KB", "MB", "GB", "TB", "PB"];

/**
 * A byte count for people: `512 bytes`, `1.5 MB (1,572,864 bytes)` (`1.5 MB` when not `exact`).
 * Counts that come from a request can be anything: past what a file can hold they read
 * `more than 8 PB` instead of `1e+30`.
 */
export function formatBytes(n: number, options: { exact?: boolean } = {}): string {
  if (!Number.isFinite(n) || n > Number.MAX_SAFE_INTEGER) return "more than 8 PB";
  if (n < 0 || !Number.isInteger(n)) return `${n} bytes`;
  if (n < 1024) return `${n} bytes`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = `${value.toFixed(1)} ${UNITS[unit]}`;
  return options.exact === false ? rounded : `${rounded} (${n.toLocaleString("en-US")} bytes)`;
}

/** Text from a request echoed in a message: quoted, control characters escaped, at most `max` characters. */
export function quoted(text: string, max = 80): string {
  const shown = text.length > max ? `${text.slice(0, max)}...` : text;
  return JSON.stringify(shown);
}

// ---------------------------------------------------------------------------------------------
// A full disk, wherever it is met: one classifier for the API's error mapping and the jobs.

const FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);
/** Emscripten's errno numbers (PGlite's file system), which it throws without a code string. */
const WASM_ERRNO: Record<number, string> = { 2: "EACCES", 19: "EDQUOT", 44: "ENOENT", 51: "ENOSPC", 54: "ENOTDIR", 63: "EPERM", 69: "EROFS" };
/** PostgreSQL's SQLSTATE for disk_full (PGlite and postgres.js both carry it as `code`). */
const DISK_FULL_SQLSTATE = "53100";

/** The errno name of one of PGlite's file-system errors (`{ name: "ErrnoError", errno: 51 }`). */
export function wasmErrnoName(errno: number): string | undefined {
  return WASM_ERRNO[errno];
}

/** The OS error code of anything thrown (`ENOSPC`, `EACCES`), PGlite's numbered ones included. */
export function errnoCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; name?: unknown; errno?: unknown } | null | undefined;
  if (typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  if (e?.name === "ErrnoError" && typeof e.errno === "number") return wasmErrnoName(e.errno);
  return undefined;
}

/** The error and its causes (drizzle wraps the driver's error; streams wrap theirs), nearest first. */
function* causes(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

function isFullHere(error: unknown): boolean {
  if (error instanceof VisibleError) return error.code === "storage.full";
  const code = errnoCode(error);
  if (code && FULL_CODES.has(code)) return true;
  return (error as { code?: unknown } | null)?.code === DISK_FULL_SQLSTATE;
}

/** True when `error` (or what caused it) means the disk or quota is full: ENOSPC, EDQUOT, SQLSTATE 53100. */
export function isStorageFull(error: unknown): boolean {
  for (const e of causes(error)) if (isFullHere(e)) return true;
  return false;
}

/** A full disk: retrying soon does not help, freeing space does; 507, and never the input's fault. */
export class StorageFull extends VisibleError {
  constructor(message: string) {
    super("storage.full", message, 507, false);
    this.name = "StorageFull";
  }
}

/** Where a write went and what the user can free there. */
export interface StoragePlace {
  /** The folder written to (the data folder, the model cache). */
  path: string;
  /** What to free or change, e.g. "delete videos you no longer need (vos delete <id>)". */
  hint?: string;
}

/** Free bytes for this user on the disk holding `dir` (its nearest existing ancestor); cheap, may be unknown. */
export function freeBytes(dir: string): number | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      const stats = statfsSync(current);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch {
      if (path.dirname(current) === current) return undefined;
    }
  }
}

/**
 * The user-visible `storage.full` error for `error`, or undefined when it means something else.
 * An error already worded (a StorageFull among its causes) is returned as it is; a raw one is
 * worded with `place` (else the path the OS error names), the free space there and what to free.
 */
export function storageFull(error: unknown, place?: StoragePlace): VisibleError | undefined {
  let raw: unknown;
  for (const e of causes(error)) {
    if (e instanceof VisibleError && e.code === "storage.full") return e;
    if (raw === undefined && isFullHere(e)) raw = e;
  }
  if (raw === undefined) return undefined;
  const quota = errnoCode(raw) === "EDQUOT";
  const where = place?.path ?? (raw as { path?: unknown }).path;
  const dir = typeof where === "string" ? path.resolve(where) : undefined;
  const free = dir === undefined ? undefined : freeBytes(dir);
  const disk = dir ? `the disk holding ${dir}${free === undefined ? "" : ` (${formatBytes(free, { exact: false })} free)`}` : "the server's disk";
  const what = quota ? `The disk quota is used up on ${disk}` : `No space is left on ${disk}`;
  const hint = place?.hint ? `: ${place.hint}` : "";
  return new StorageFull(`${what}, so the write failed. Free space there${hint}, then try again; nothing stored before was lost.`);
}

/** The hint for the data folder of the embedded runtime. */
export const DATA_FOLDER_HINT = "delete videos you no longer need (vos delete <id>) or other files on that disk, or move the data folder to a larger disk (VOS_DATA_DIR)";
