/**
 * A full disk for tests: a small tmpfs when this machine lets the test mount one (root on
 * Linux), else ENOSPC injected at the file-system boundary (Node's `fs`, which PGlite, the blob
 * store, the lock and streams all write through) for paths under the folder. Either way the code
 * under test meets a real `ENOSPC` error from `fs`; `mode` says which one ran.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import path from "node:path";

export interface FullDisk {
  mode: "tmpfs" | "injected";
  /** The folder on the small disk. */
  dir: string;
  /** Fills the disk (a filler file, or injection on): writes under `dir` fail with ENOSPC. */
  fill(): Promise<void>;
  /** Frees what `fill` took. */
  free(): Promise<void>;
  close(): Promise<void>;
}

/** Tries to mount a tmpfs of `sizeMb` on `dir`; false when the OS refuses (not root, no tmpfs). */
function mountTmpfs(dir: string, sizeMb: number): boolean {
  if (process.env.VOS_TEST_DISK === "inject" || process.platform !== "linux") return false;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const unmount = (dir: string) => {
  try {
    execFileSync("umount", [dir], { stdio: "ignore" });
  } catch {
    // already gone
  }
};

/** A disk of `sizeMb` at `dir` (created), full on demand. */
export async function smallDisk(dir: string, sizeMb: number): Promise<FullDisk> {
  await mkdir(dir, { recursive: true });
  if (mountTmpfs(dir, sizeMb)) {
    const filler = path.join(dir, "filler");
    return {
      mode: "tmpfs",
      dir,
      async fill() {
        // Write until the disk refuses: then every byte is taken.
        const fd = fs.openSync(filler, "a");
        const block = Buffer.alloc(256 * 1024, 1);
        try {
          for (;;) fs.writeSync(fd, block);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
        } finally {
          fs.closeSync(fd);
        }
        const small = Buffer.alloc(512, 1);
        try {
          for (;;) fs.appendFileSync(filler, small);
        } catch {
          // full to the last block
        }
      },
      async free() {
        await rm(filler, { force: true });
      },
      async close() {
        unmount(dir);
      },
    };
  }
  const injection = injectFullDisk(dir);
  return {
    mode: "injected",
    dir,
    fill: async () => injection.fill(),
    free: async () => injection.free(),
    async close() {
      injection.restore();
    },
  };
}

const enospc = (syscall: string, target?: string) =>
  Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}${target ? ` '${target}'` : ""}`), {
    code: "ENOSPC",
    errno: -28,
    syscall,
    ...(target ? { path: target } : {}),
  });

type AnyFn = (...args: any[]) => any;

/**
 * ENOSPC for writes under `root` while `fill()` is on: data written to files opened there, files
 * written whole, and new folders. Patched on the `fs` module objects, which streams, PGlite
 * (`require("fs")`) and, after `syncBuiltinESMExports`, named ESM imports all call.
 */
export function injectFullDisk(root: string): { fill(): void; free(): void; restore(): void } {
  const base = path.resolve(root);
  const under = (p: unknown) => {
    if (typeof p !== "string" && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
    const resolved = path.resolve(p instanceof URL ? p.pathname : String(p));
    return resolved === base || resolved.startsWith(base + path.sep);
  };
  const fds = new Set<number>();
  let full = false;
  const restores: (() => void)[] = [];
  const patch = (target: object, name: string, wrap: (original: AnyFn) => AnyFn) => {
    const host = target as Record<string, AnyFn>;
    const original = host[name]!;
    host[name] = wrap(original);
    restores.push(() => (host[name] = original));
  };
  const fullFd = (fd: unknown) => full && typeof fd === "number" && fds.has(fd);
  const fullPath = (p: unknown) => full && (typeof p === "number" ? fds.has(p) : under(p));
  const missing = (p: unknown) => !fs.existsSync(p instanceof URL ? p.pathname : String(p));

  patch(fs, "openSync", (original) => (p, ...rest) => {
    const fd = original(p, ...rest) as number;
    if (under(p)) fds.add(fd);
    return fd;
  });
  patch(fs, "open", (original) => (p, ...rest) => {
    const callback = rest.pop() as AnyFn;
    return original(p, ...rest, (error: unknown, fd: number) => {
      if (!error && under(p)) fds.add(fd);
      callback(error, fd);
    });
  });
  patch(fs, "closeSync", (original) => (fd, ...rest) => (fds.delete(fd), original(fd, ...rest)));
  patch(fs, "close", (original) => (fd, ...rest) => (fds.delete(fd), original(fd, ...rest)));
  // As on a real disk, a full one still lets a write land inside a file's allocated size (PGlite
  // rewrites its pages and preallocated log in place); only growing a file needs free blocks.
  const grows = (fd: number, args: unknown[]) => {
    const [data, a1, a2, a3] = args;
    let length: number;
    let position: unknown;
    if (typeof data === "string") [length, position] = [Buffer.byteLength(data), a1];
    else if (Array.isArray(data)) [length, position] = [data.reduce((sum: number, b: ArrayBufferView) => sum + b.byteLength, 0), a1];
    else if (a1 !== null && typeof a1 === "object") {
      const options = a1 as { offset?: number; length?: number; position?: unknown };
      [length, position] = [options.length ?? (data as ArrayBufferView).byteLength - (options.offset ?? 0), options.position];
    } else [length, position] = [typeof a2 === "number" ? a2 : (data as ArrayBufferView).byteLength - ((a1 as number) ?? 0), a3];
    if (typeof position !== "number" && typeof position !== "bigint") return true; // at the end: it grows
    return Number(position) + length > fs.fstatSync(fd).size;
  };
  for (const name of ["writeSync", "writevSync"]) {
    patch(fs, name, (original) => (fd, ...rest) => {
      if (fullFd(fd) && grows(fd, rest)) throw enospc("write");
      return original(fd, ...rest);
    });
  }
  for (const name of ["write", "writev"]) {
    patch(fs, name, (original) => (fd, ...rest) => {
      const callback = rest[rest.length - 1] as AnyFn;
      if (!fullFd(fd) || !grows(fd, rest.slice(0, -1))) return original(fd, ...rest);
      process.nextTick(() => callback(enospc("write")));
    });
  }
  // Creating an empty file takes no data blocks (PGlite creates its files so): only bytes fail.
  const hasBytes = (data: unknown) => (typeof data === "string" ? data.length > 0 : ArrayBuffer.isView(data) ? data.byteLength > 0 : true);
  for (const name of ["writeFileSync", "appendFileSync"]) {
    patch(fs, name, (original) => (p, ...rest) => {
      if (fullPath(p) && hasBytes(rest[0])) throw enospc("write", typeof p === "number" ? undefined : String(p));
      return original(p, ...rest);
    });
  }
  patch(fs, "mkdirSync", (original) => (p, ...rest) => {
    if (fullPath(p) && missing(p)) throw enospc("mkdir", String(p));
    return original(p, ...rest);
  });
  patch(fs.promises, "mkdir", (original) => async (p, ...rest) => {
    if (fullPath(p) && missing(p)) throw enospc("mkdir", String(p));
    return original(p, ...rest);
  });
  for (const name of ["writeFile", "appendFile"]) {
    patch(fs.promises, name, (original) => async (p, ...rest) => {
      if (fullPath(p) && hasBytes(rest[0])) throw enospc("write", String(p));
      return original(p, ...rest);
    });
  }
  syncBuiltinESMExports();
  return {
    fill: () => void (full = true),
    free: () => void (full = false),
    restore() {
      for (const restore of restores.reverse()) restore();
      syncBuiltinESMExports();
    },
  };
}
