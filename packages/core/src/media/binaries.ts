/**
 * Finds the ffmpeg and ffprobe executables, once per process:
 *   1. `FFMPEG_PATH` / `FFPROBE_PATH` when set (the file must exist),
 *   2. `ffmpeg` / `ffprobe` on PATH (searched here, no shell),
 *   3. the static binaries shipped by `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe`.
 * A system ffmpeg (5.x-7.x) is preferred because it is newer and faster; the npm one (4.1) is
 * the fallback that works on a fresh machine and in CI. The npm packages come with @vos/cli (the
 * embedded runtime) and are looked up only here, so the worker images leave them out.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { VisibleError } from "../error.js";

type Tool = "ffmpeg" | "ffprobe";

const ENV: Record<Tool, string> = { ffmpeg: "FFMPEG_PATH", ffprobe: "FFPROBE_PATH" };
const PACKAGE: Record<Tool, string> = { ffmpeg: "@ffmpeg-installer/ffmpeg", ffprobe: "@ffprobe-installer/ffprobe" };

export type BinarySource = "env" | "path" | "npm";
export interface ResolvedBinary {
  path: string;
  source: BinarySource;
}

const cache = new Map<Tool, ResolvedBinary>();

/** Absolute path of the ffmpeg executable (resolved once, cached). */
export function ffmpegPath(): string {
  return resolveBinary("ffmpeg").path;
}

/** Absolute path of the ffprobe executable (resolved once, cached). */
export function ffprobePath(): string {
  return resolveBinary("ffprobe").path;
}

/** The resolved binary and where it came from (for logs and diagnostics). */
export function resolveBinary(tool: Tool): ResolvedBinary {
  const cached = cache.get(tool);
  if (cached) return cached;
  const found = findBinary(tool);
  cache.set(tool, found);
  return found;
}

/** Forgets the resolved paths and version (tests that change the environment). */
export function resetBinaryCache(): void {
  cache.clear();
  capabilities = undefined;
}

function findBinary(tool: Tool): ResolvedBinary {
  const variable = ENV[tool];
  const fromEnv = process.env[variable]?.trim();
  if (fromEnv) {
    const path = resolve(fromEnv);
    if (!isFile(path)) {
      throw missing(`${variable} is set to "${fromEnv}", but no such file exists. Point ${variable} at the ${tool} executable, or unset it to use the one on PATH.`);
    }
    return { path, source: "env" };
  }
  const onPath = searchPath(tool);
  if (onPath) return { path: onPath, source: "path" };
  try {
    const require = createRequire(import.meta.url);
    const pkg = require(PACKAGE[tool]) as { path?: unknown };
    if (typeof pkg.path === "string" && isFile(pkg.path)) return { path: pkg.path, source: "npm" };
  } catch {
    // unsupported platform or package not installed: fall through to the error below
  }
  throw missing(`${tool} was not found: set ${variable}, install ${tool} on PATH, or install the npm package ${PACKAGE[tool]}.`);
}

function missing(message: string): VisibleError {
  // Not the video's fault: retryable (permanent=false), so the upload is never discarded for it.
  return new VisibleError("media.ffmpeg_missing", message, 503, false);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  if (!isFile(path)) return false;
  if (process.platform === "win32") return true;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `tool` in the PATH directories, like `which`. */
export function searchPath(tool: string, pathVariable = process.env.PATH ?? process.env.Path ?? ""): string | undefined {
  const names = process.platform === "win32" ? [`${tool}.exe`, `${tool}.cmd`, tool] : [tool];
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue; // relative PATH entries depend on the cwd: skip them
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** What the resolved ffmpeg supports, from `ffmpeg -version` (run once). */
export interface FfmpegCapabilities {
  /** First line of `ffmpeg -version`, for logs. */
  version: string;
  /** libavutil major/minor: the one version number every build prints. */
  libavutil: [number, number];
  /** `-fps_mode` exists (ffmpeg >= 5.1); older builds only know `-vsync`. */
  fpsMode: boolean;
}

let capabilities: FfmpegCapabilities | undefined;

export function ffmpegCapabilities(): FfmpegCapabilities {
  if (capabilities) return capabilities;
  const result = spawnSync(ffmpegPath(), ["-hide_banner", "-version"], { encoding: "utf8", timeout: 15_000, windowsHide: true });
  if (result.error) throw missing(`ffmpeg at ${ffmpegPath()} could not be started: ${result.error.message}`);
  capabilities = parseFfmpegVersion(result.stdout ?? "");
  return capabilities;
}

export function parseFfmpegVersion(text: string): FfmpegCapabilities {
  const version = text.split("\n", 1)[0]?.trim() ?? "";
  const match = /libavutil\s+(\d+)\.\s*(\d+)/.exec(text);
  const libavutil: [number, number] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  // libavutil 57.28 shipped with FFmpeg 5.1, the release that added -fps_mode.
  const fpsMode = libavutil[0] > 57 || (libavutil[0] === 57 && libavutil[1] >= 28);
  return { version, libavutil, fpsMode };
}
