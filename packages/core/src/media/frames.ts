/**
 * `sampleFrames`: one ffmpeg process decodes the video, scales every frame to the requested
 * width, picks candidates with the `select` filter (see sampling.ts) and writes only those, as
 * packed rgb24, to stdout. Node reads stdout in exact frame-size chunks (pulling only when the
 * consumer asks for the next frame, so a slow consumer pauses ffmpeg through the pipe and memory
 * stays flat), drops near-duplicates and yields frames with exact timestamps, paired with the
 * records ffmpeg logs on stderr (sample-args.ts says how; ffmpeg-output.ts reads both outputs).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { VisibleError } from "../error.js";
import { log as rootLog } from "../log.js";
import { ffmpegPath } from "./binaries.js";
import { DEFAULT_DEDUP_THRESHOLDS, frameSignature } from "./dedup.js";
import { readFrames, StderrParser, type FrameRecord } from "./ffmpeg-output.js";
import { describeInput, inputNames, isRemote, networkFailure } from "./input.js";
import type { MediaInfo } from "./probe.js";
import { summariseLog, toolBroken } from "./process.js";
import { outputSize, sampleArgs } from "./sample-args.js";
import { createSampler, resolveSampling, type FrameReason, type SampleRange, type SamplingOptions } from "./sampling.js";

export interface SampledFrame {
  /** 0-based index among kept frames; the same file and options always give the same numbers. */
  frameNo: number;
  /** Presentation time of this frame, seconds from the start of the file (microsecond precision). */
  timeSec: number;
  /** Time of the next kept frame, or the video's duration for the last one. */
  endSec: number;
  reason: FrameReason;
  width: number;
  height: number;
  /** Packed rgb24, width * height * 3 bytes. */
  rgb: Buffer;
}

export type SampleFramesOptions = Partial<SamplingOptions> & {
  /** Output width in pixels; the height keeps the display aspect ratio, rounded to even. */
  width: number;
  signal?: AbortSignal | undefined;
  /**
   * Only part of the video: decoding starts at `leadInSec` (ffmpeg seeks there), the frames from
   * `startSec` to `endSec` come out numbered from `firstFrameNo`, and decoding stops at the first
   * kept frame past `endSec` (see `createSampler`). Omitted: the whole video, numbered from 0.
   */
  range?: (SampleRange & { leadInSec: number }) | undefined;
};

const log = rootLog.child({ module: "media" });

/** How long a decoded frame may wait for its timestamp line before that is an error. */
const RECORD_WAIT_MS = 30_000;

/** ffmpeg failing to set itself up (our arguments, its build): not the video's fault. */
const SETUP_ERROR =
  /Unrecognized option|Option not found|No such filter|Error initializing filter|Error (?:parsing|reinitializing) filter|Invalid argument.*filter|Error opening filters|Unknown encoder|Error while opening encoder|Cannot allocate memory|No space left/i;

function corrupt(message: string): VisibleError {
  return new VisibleError("media.corrupt", message, 422, true);
}

/**
 * Decodes `file` once and yields the sampled frames in time order. Stopping early (`break`,
 * `return()`, an exception in the consumer) or aborting `signal` kills ffmpeg and waits for it to
 * exit before the iterator settles; abort rejects with the signal's reason.
 *
 * Errors: `media.corrupt` (permanent) when ffmpeg exits non-zero on the file, decodes no frame,
 * or stops well short of the duration while reporting read/decode errors (a truncated file whose
 * header is intact); `media.ffmpeg_missing` (retryable) when ffmpeg cannot be started; a plain
 * Error (retryable) when ffmpeg fails to set itself up or is killed by someone else.
 */
export async function* sampleFrames(file: string, info: MediaInfo, options: SampleFramesOptions): AsyncGenerator<SampledFrame, void, undefined> {
  const sampling = resolveSampling(options);
  const size = outputSize(info, options.width);
  const frameBytes = size.width * size.height * 3;
  const signal = options.signal;
  signal?.throwIfAborted();

  // A missing file is not a corrupt video (ffmpeg would exit 1 on it): fail before spawning.
  if (!isRemote(file) && !(await stat(file)).isFile()) throw new Error(`${file} is not a regular file`);
  signal?.throwIfAborted();

  const range = options.range;
  const seekSec = range ? Math.max(0, Math.min(range.leadInSec, range.startSec)) : 0;
  const args = sampleArgs(file, size, sampling, undefined, seekSec);
  const command = ffmpegPath();
  const started = Date.now();
  log.debug("ffmpeg sample start", { file: describeInput(file), seekSec });

  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
  let spawnError: Error | undefined;
  let killedByUs = false;
  const parser = new StderrParser();
  let stderrDone = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once("close", (code, sig) => resolveExit({ code, signal: sig }));
    child.once("error", (error) => {
      spawnError = error;
      resolveExit({ code: null, signal: null });
      notify();
    });
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    parser.push(text);
    notify();
  });
  child.stderr.once("close", () => {
    parser.end();
    stderrDone = true;
    notify();
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      killedByUs = true;
      child.kill("SIGKILL");
    }
  };
  signal?.addEventListener("abort", kill, { once: true });

  /**
   * The record of the frame just read. ffmpeg logs it before writing the pixels, so it is already
   * in the stderr pipe and arrives within an event-loop turn or two; the time limit turns a
   * missing record (an unexpected log format) into an error instead of a deadlock, where ffmpeg
   * blocks on a full stdout pipe while we wait for a line that never comes.
   */
  const nextRecord = async (): Promise<FrameRecord | undefined> => {
    const deadline = Date.now() + RECORD_WAIT_MS;
    while (parser.records.length === 0 && !stderrDone && !spawnError && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 250);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
    return parser.records.shift();
  };

  const sampler = createSampler<Buffer>(sampling, info.durationSec, DEFAULT_DEDUP_THRESHOLDS, range);
  const toFrame = (d: { frameNo: number; timeSec: number; endSec: number; reason: FrameReason; payload: Buffer }): SampledFrame => ({
    frameNo: d.frameNo,
    timeSec: d.timeSec,
    endSec: d.endSec,
    reason: d.reason,
    width: size.width,
    height: size.height,
    rgb: d.payload,
  });

  let decoded = 0;
  let kept = 0;
  try {
    const frames = readFrames(child.stdout, frameBytes);
    let leftover = 0;
    for (;;) {
      const next = await frames.next();
      if (next.done) {
        leftover = next.value;
        break;
      }
      const rgb = next.value;
      const record = await nextRecord();
      signal?.throwIfAborted();
      if (!record) {
        if (spawnError) break;
        throw new Error("ffmpeg wrote a frame without its timestamp line; its log format may be unsupported");
      }
      decoded++;
      const candidate = {
        timeSec: record.timeSec + seekSec,
        sceneScore: record.sceneScore,
        signature: sampling.dedup ? frameSignature(rgb, size.width, size.height) : undefined,
        payload: rgb,
      };
      for (const done of sampler.push(candidate)) {
        kept++;
        yield toFrame(done);
        signal?.throwIfAborted();
      }
      if (sampler.done) {
        // The range is complete: the rest of the file is another segment's (ffmpeg is stopped below).
        log.debug("ffmpeg sample range done", { file: describeInput(file), ms: Date.now() - started, candidates: decoded, kept });
        return;
      }
    }

    const exit = await exited;
    signal?.throwIfAborted();
    if (spawnError) {
      throw new VisibleError("media.ffmpeg_missing", `Could not start ffmpeg (${command}): ${spawnError.message}`, 503, false);
    }
    const why = () => summariseLog(parser.problems, 4, 400, inputNames(file)) || "no error message";
    if (exit.signal) throw new Error(`ffmpeg was killed by ${exit.signal} while decoding ${describeInput(file)}`);
    // A failure while reading over the network (an expired URL, a dropped connection) is retried,
    // never blamed on the video.
    const broken = (error: VisibleError): Error => {
      const lost = networkFailure(file, parser.problems);
      return lost ? new Error(`Could not read the video from storage (${describeInput(file)}): ${lost}`) : error;
    };
    if (exit.code !== 0) {
      if (toolBroken(exit.code, parser.problems.join("\n") + parser.unparsed)) {
        throw new VisibleError("media.ffmpeg_missing", `ffmpeg (${command}) failed to run (exit code ${exit.code}): ${summariseLog([parser.unparsed])}`, 503, false);
      }
      if (decoded === 0 && SETUP_ERROR.test(parser.problems.join("\n"))) {
        throw new Error(`ffmpeg could not start decoding (exit code ${exit.code}): ${why()}`);
      }
      throw broken(corrupt(`The video could not be decoded (ffmpeg exit code ${exit.code}): ${why()}`));
    }
    if (leftover > 0) throw broken(corrupt(`The video could not be decoded: ffmpeg's output ended inside a frame (${leftover} of ${frameBytes} bytes).`));
    if (decoded === 0) throw broken(corrupt(`The video contains no decodable frames: ${why()}`));
    // A file cut short with its header intact (e.g. an mp4 with the moov atom first) decodes up
    // to the cut and ffmpeg still exits 0. Interval sampling leaves at most 1/fps between
    // candidates, so the last candidate shows how far decoding got.
    const reached = (sampler.lastCandidateSec ?? 0) + 1 / sampling.fps;
    const tolerance = Math.max(1, info.durationSec * 0.05);
    if (parser.errors > 0 && reached + tolerance < info.durationSec) {
      throw broken(corrupt(`The video is damaged or truncated: decoding stopped near ${reached.toFixed(1)} s of ${info.durationSec.toFixed(1)} s (${why()}).`));
    }
    if (parser.recordCount !== decoded) throw new Error(`ffmpeg logged ${parser.recordCount} frame records for ${decoded} frames`);
    for (const done of sampler.finish()) {
      kept++;
      yield toFrame(done);
    }
    log.debug("ffmpeg sample done", { file: describeInput(file), ms: Date.now() - started, candidates: decoded, kept });
  } finally {
    signal?.removeEventListener("abort", kill);
    kill();
    child.stdout.destroy();
    // Reap the process before settling, so nothing outlives the iterator.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    child.stderr.destroy();
    if (killedByUs) log.debug("ffmpeg sample stopped early", { file: describeInput(file), ms: Date.now() - started, candidates: decoded, kept });
  }
}
