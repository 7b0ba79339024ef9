import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { VisibleError } from "../../error.js";
import { dataDirError } from "./data-dir.js";

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * The state letter of a Linux `/proc/<pid>/stat` line (R, S, D, Z...). The command name before it
 * is in parentheses and may itself hold spaces and parentheses: the state follows the last ')'.
 */
export function procState(stat: string): string | undefined {
  const end = stat.lastIndexOf(")");
  const state = end < 0 ? "" : stat.slice(end + 1).trim().charAt(0);
  return state || undefined;
}

/**
 * Whether a process still runs. A process that exited but was not yet reaped by its parent (a
 * zombie, state Z; a supervisor restarting at once meets one) still answers `kill(pid, 0)`,
 * so on Linux its state is read first; elsewhere `kill(pid, 0)` is all there is.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // kill(0) would signal our own group
  if (process.platform === "linux") {
    try {
      const state = procState(readFileSync(`/proc/${pid}/stat`, "utf8"));
      if (state) return state !== "Z" && state !== "X" && state !== "x";
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Folders this process holds: a second runtime in the same process must be refused too. */
const held = new Set<string>();

/** Creates the lock file holding `owner`, or answers false when one exists. A failed write leaves no empty lock behind. */
function create(file: string, dataDir: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw dataDirError(error, dataDir, "written") ?? error;
  }
  try {
    writeFileSync(fd, JSON.stringify(owner));
  } catch (error) {
    closeSync(fd);
    unlinkSync(file);
    throw dataDirError(error, dataDir, "written") ?? error;
  }
  closeSync(fd);
  return true;
}

/**
 * An exclusive lock on the data folder: PGlite is one process's database, and two processes on
 * one folder silently lose writes. A lock left by a process that died is taken over.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  const file = path.join(dataDir, "vos.lock");
  if (held.has(file)) throw new VisibleError("data.locked", `The data folder ${dataDir} is already open in this process.`, 423);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create(file, dataDir, owner)) {
      held.add(file);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        held.delete(file);
        process.off("exit", release);
        try {
          const current = JSON.parse(readFileSync(file, "utf8")) as LockOwner;
          if (current.pid === owner.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return { release };
    }
    let holder: LockOwner | undefined;
    try {
      holder = JSON.parse(readFileSync(file, "utf8")) as LockOwner;
    } catch {
      holder = undefined; // being written right now, or garbage: look again
    }
    if (holder && (holder.host !== owner.host || isProcessAlive(holder.pid)) && holder.pid !== process.pid) {
      throw new VisibleError(
        "data.locked",
        `The data folder ${dataDir} is in use by another vos process (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}). ` +
          `Stop that process, or talk to it with VOS_API_URL=http://localhost:3000 (if it is 'vos serve'), or use another VOS_DATA_DIR.`,
        423,
      );
    }
    if (holder) unlinkSync(file);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    if (!holder && attempt === 2) throw new VisibleError("data.locked", `The lock file ${file} is unreadable: delete it if no vos process is running.`, 423);
  }
  throw new VisibleError("data.locked", `Could not lock the data folder ${dataDir}.`, 423);
}
