/** Small helpers for running the media tools as child processes (no shell). */
import { spawn } from "node:child_process";
import { VisibleError } from "../error.js";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a tool to completion and collects its output (used for ffprobe and fixture generation,
 * whose outputs are small). A spawn failure (missing/unexecutable binary) becomes
 * `media.ffmpeg_missing`.
 */
export function runTool(command: string, args: string[], options: { timeoutMs?: number; maxOutputBytes?: number } = {}): Promise<RunResult> {
  const maxOutput = options.maxOutputBytes ?? 32 * 1024 * 1024;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    let failed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= maxOutput) out.push(chunk);
      else child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err.push(chunk);
      // keep the tail only: a noisy tool must not grow memory without bound
      while (err.length > 64) err.shift();
    });
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs)
        : undefined;
    child.once("error", (error: NodeJS.ErrnoException) => {
      failed = true;
      if (timer) clearTimeout(timer);
      reject(new VisibleError("media.ffmpeg_missing", `Could not start ${command}: ${error.message}`, 503, false));
    });
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (failed) return;
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
  });
}

/**
 * ffmpeg/ffprobe log lines without the noise: the `[demuxer @ 0x...]` context and `[error]`
 * level prefixes are removed, blank lines and repeats of the previous line are dropped.
 */
export function cleanLogLines(lines: Iterable<string>): string[] {
  const cleaned: string[] = [];
  for (const raw of lines) {
    const line = raw
      .replace(/^\[[^\]]*@\s*0x[0-9a-f]+\]\s*/i, "")
      .replace(/^\[(?:panic|fatal|error|warning|info|verbose|debug|trace)\]\s*/i, "")
      .trim();
    if (!line || cleaned[cleaned.length - 1] === line) continue;
    cleaned.push(line);
  }
  return cleaned;
}

/**
 * The tool itself could not run (a broken install, a wrapper script whose target is missing):
 * exit codes 126/127 come from a shell or loader, never from ffmpeg/ffprobe's own failures.
 */
export function toolBroken(code: number | null, stderr: string): boolean {
  return code === 126 || code === 127 || /error while loading shared libraries|cannot execute binary file|exec format error/i.test(stderr);
}

/** The last few distinct log lines, joined and trimmed for a person to read; `redact` strings
 * (the server-side file path) are replaced by "input". */
export function summariseLog(lines: Iterable<string>, maxLines = 4, maxChars = 400, redact: string[] = []): string {
  const cleaned = cleanLogLines(lines).map((line) => redact.reduce((text, secret) => (secret ? text.split(secret).join("input") : text), line));
  const unique: string[] = [];
  for (let i = cleaned.length - 1; i >= 0 && unique.length < maxLines; i--) {
    const line = cleaned[i]!;
    if (!unique.includes(line)) unique.unshift(line);
  }
  const text = unique.join(" | ");
  return text.length > maxChars ? `…${text.slice(text.length - maxChars + 1)}` : text;
}
