/**
 * `probe`: what a video file is (size, duration, display size, frame rate, codec, container),
 * with a specific permanent error for each kind of bad input:
 *
 * | code                  | status | when                                                        |
 * |-----------------------|--------|-------------------------------------------------------------|
 * | media.empty           | 422    | the file has zero bytes                                     |
 * | media.too_large       | 413    | over `maxBytes` (checked before ffprobe runs)               |
 * | media.not_a_video     | 422    | ffprobe cannot read it and it has no known container magic  |
 * |                       |        | (a text file named .mp4), or it is a still image            |
 * | media.no_video_stream | 422    | only audio/subtitles/cover art (attached pictures ignored)  |
 * | media.corrupt         | 422    | a known container that ffprobe cannot open (mp4 cut before  |
 * |                       |        | its moov atom), or a video stream with no codec, no size,   |
 * |                       |        | no frames or no usable duration                             |
 * | media.too_long        | 422    | duration over `maxDurationSec`                              |
 * | media.unsupported_container | 422 | a container outside `policy.containers`                    |
 * | media.unsupported_codec | 422  | a video codec outside `policy.codecs`                         |
 * | media.resolution_too_large | 422 | a picture larger than `policy.maxResolution`                |
 *
 * How ffprobe reports these: a truncated mp4 and a text file named .mp4 fail the same way
 * ("moov atom not found", "Invalid data found when processing input", exit 1, `{}`), because the
 * .mp4 name makes ffprobe try the mov demuxer on both. They are told apart by the file's first
 * bytes: a real container starts with its signature (an ISO-BMFF box such as `ftyp`, EBML,
 * RIFF/AVI, FLV, MPEG-TS sync bytes...; signatures.ts).
 *
 * This module runs ffprobe and tells its failures apart; ffprobe-json.ts reads its answer and
 * policy.ts holds the checks against the limits and the media policy.
 */
import { VisibleError } from "../error.js";
import { ffprobePath } from "./binaries.js";
import { displaySize, frameRate, num, parseJson, videoDuration } from "./ffprobe-json.js";
import { checkDuration, checkFileSize, checkResolution, checkStreams, fail, type MediaPolicy } from "./policy.js";
import { runTool, summariseLog, toolBroken } from "./process.js";
import { describeInput, inputArgs, inputNames, inspectInput, networkFailure } from "./input.js";
import { detectContainer } from "./signatures.js";

export interface MediaInfo {
  /** File size in bytes. */
  sizeBytes: number;
  /** End of the video stream on the file's timeline, in seconds (frame times are relative to the file start). */
  durationSec: number;
  /** Display width: rotation metadata applied, non-square pixels stretched to square. */
  width: number;
  /** Display height (see width). */
  height: number;
  /** Average frame rate (0 when the file does not say). */
  fps: number;
  /** ffprobe codec name of the video stream, e.g. "h264", "hevc", "vp9". */
  codec: string;
  /** Short container name, e.g. "mp4", "mov", "matroska", "webm", "avi". */
  container: string;
}

export interface ProbeLimits {
  maxBytes: number;
  maxDurationSec: number;
  /** What else is accepted; absent: any container, codec and size ffmpeg can read. */
  policy?: MediaPolicy;
}

export type { MediaPolicy };

export interface ProbeOptions {
  /** Kill ffprobe after this long (a transient, retryable failure). Default 120 s. */
  timeoutMs?: number;
}

/** `input`: a file, or an http(s) URL read through range requests (input.ts). */
export async function probe(input: string, limits: ProbeLimits, options: ProbeOptions = {}): Promise<MediaInfo> {
  const { sizeBytes, head } = await inspectInput(input);
  checkFileSize(sizeBytes, limits.maxBytes);

  const timeoutMs = options.timeoutMs ?? 120_000;
  const named = describeInput(input);
  const result = await runTool(ffprobePath(), ["-v", "error", "-show_format", "-show_streams", "-of", "json", ...inputArgs(input, "")], { timeoutMs });
  if (result.timedOut) throw new Error(`ffprobe did not finish within ${Math.round(timeoutMs / 1000)} s on ${named}`);
  const json = parseJson(result.stdout);
  if (result.code !== 0 || !json?.format) {
    if (result.signal) throw new Error(`ffprobe was killed by ${result.signal}`);
    // Only a failure to read the input says something about the file; a tool that cannot run, or
    // a network that fails, must never be reported as a bad video (a permanent media.* error
    // discards the upload).
    if (toolBroken(result.code, result.stderr) || /Unrecognized option|Failed to set value/i.test(result.stderr)) {
      throw new VisibleError("media.ffmpeg_missing", `ffprobe (${ffprobePath()}) failed to run: ${summariseLog(result.stderr.split("\n"), 2)}`, 503, false);
    }
    const lost = networkFailure(input, result.stderr.split("\n"));
    if (lost) throw new Error(`Could not read the video from storage (${named}): ${lost}`);
    const container = detectContainer(head);
    const why = summariseLog(result.stderr.split("\n"), 2, 300, inputNames(input));
    if (container) {
      throw fail(
        "media.corrupt",
        `The file looks like ${container} but cannot be read (${why || "unreadable header"}); it is probably truncated or damaged. Upload the complete file.`,
      );
    }
    throw fail("media.not_a_video", "The file is not a video in a format that can be read.");
  }

  const policy = limits.policy;
  const { format, video, codec, container, codedWidth, codedHeight } = checkStreams(json.format, json.streams ?? [], policy);
  const fps = frameRate(video);
  let measured = videoDuration(video, format);
  if (measured === undefined) {
    // Raw elementary streams and some live recordings declare no duration: count packets (one
    // demux pass, no decoding) and use the frame rate ffmpeg will also assume when decoding.
    measured = await countedDuration(input, video.index, fps, timeoutMs);
  }
  const durationSec = checkDuration(measured, limits.maxDurationSec);
  const { width, height } = displaySize(codedWidth, codedHeight, video);
  checkResolution(width, height, policy);
  return {
    sizeBytes,
    durationSec: round(durationSec, 6),
    width,
    height,
    fps: round(fps, 3),
    codec,
    container,
  };
}

async function countedDuration(input: string, index: number, fps: number, timeoutMs: number): Promise<number | undefined> {
  const args = ["-v", "error", "-count_packets", "-select_streams", String(index), "-show_streams", "-of", "json", ...inputArgs(input, "")];
  const result = await runTool(ffprobePath(), args, { timeoutMs });
  if (result.timedOut) throw new Error(`ffprobe -count_packets did not finish within ${Math.round(timeoutMs / 1000)} s on ${describeInput(input)}`);
  const stream = parseJson(result.stdout)?.streams?.[0];
  const packets = num(stream?.nb_read_packets);
  if (!packets) return undefined;
  return packets / (fps > 0 ? fps : 25); // 25 fps: what ffmpeg assumes for a stream without timing
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
