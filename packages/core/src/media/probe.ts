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
 * RIFF/AVI, FLV, MPEG-TS sync bytes...).
 */
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { VisibleError } from "../error.js";
import { ffprobePath } from "./binaries.js";
import { runTool, summariseLog, toolBroken } from "./process.js";

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

/** The videos a deployment accepts beyond size and length (VOS_CONTAINERS, VOS_CODECS, VOS_MAX_RESOLUTION). */
export interface MediaPolicy {
  /** ffprobe demuxer names as `MediaInfo.container` gives them ("mp4", "mov", "matroska"...), or "*". */
  containers: readonly string[] | "*";
  /** ffprobe codec names ("h264", "hevc", "vp9"...), or "*". */
  codecs: readonly string[] | "*";
  /** The picture's longer and shorter side, in either orientation. */
  maxResolution: { longSide: number; shortSide: number };
}

const allows = (list: readonly string[] | "*", name: string) => list === "*" || list.includes(name);

export interface ProbeOptions {
  /** Kill ffprobe after this long (a transient, retryable failure). Default 120 s. */
  timeoutMs?: number;
}

const PERMANENT = true;

function fail(code: string, message: string, status: 413 | 422 = 422): VisibleError {
  return new VisibleError(code, message, status, PERMANENT);
}

export async function probe(file: string, limits: ProbeLimits, options: ProbeOptions = {}): Promise<MediaInfo> {
  const path = resolve(file);
  const stats = await stat(path);
  if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
  const sizeBytes = stats.size;
  if (sizeBytes === 0) throw fail("media.empty", "The file is empty (0 bytes). Upload the video again.");
  if (sizeBytes > limits.maxBytes) {
    throw fail("media.too_large", `The file is ${formatBytes(sizeBytes)}, over the limit of ${formatBytes(limits.maxBytes)}.`, 413);
  }

  const timeoutMs = options.timeoutMs ?? 120_000;
  const result = await runTool(ffprobePath(), ["-v", "error", "-show_format", "-show_streams", "-of", "json", `file:${path}`], { timeoutMs });
  if (result.timedOut) throw new Error(`ffprobe did not finish within ${Math.round(timeoutMs / 1000)} s on ${path}`);
  const json = parseJson(result.stdout);
  if (result.code !== 0 || !json?.format) {
    if (result.signal) throw new Error(`ffprobe was killed by ${result.signal}`);
    // Only a failure to read the input says something about the file; a tool that cannot run
    // must never be reported as a bad video (a permanent media.* error discards the upload).
    if (toolBroken(result.code, result.stderr) || /Unrecognized option|Failed to set value/i.test(result.stderr)) {
      throw new VisibleError("media.ffmpeg_missing", `ffprobe (${ffprobePath()}) failed to run: ${summariseLog(result.stderr.split("\n"), 2)}`, 503, false);
    }
    const container = await sniffContainer(path);
    const why = summariseLog(result.stderr.split("\n"), 2, 300, [`file:${path}`, path]);
    if (container) {
      throw fail(
        "media.corrupt",
        `The file looks like ${container} but cannot be read (${why || "unreadable header"}); it is probably truncated or damaged. Upload the complete file.`,
      );
    }
    throw fail("media.not_a_video", "The file is not a video in a format that can be read.");
  }

  const format = json.format;
  const formatName = str(format.format_name) ?? "";
  const streams = json.streams ?? [];
  if (isImageFormat(formatName)) {
    throw fail("media.not_a_video", `The file is a still image (${formatName.replace(/_pipe$/, "")}), not a video.`);
  }
  const container = containerName(formatName, format.tags);
  const policy = limits.policy;
  if (policy && !allows(policy.containers, container)) {
    throw fail("media.unsupported_container", `The file's container (${container}) is not accepted here; accepted: ${(policy.containers as readonly string[]).join(", ")}.`);
  }
  const video = streams.find((s) => s.codec_type === "video" && s.disposition?.attached_pic !== 1 && s.disposition?.timed_thumbnails !== 1);
  if (!video) {
    const kinds = [...new Set(streams.map((s) => (s.disposition?.attached_pic === 1 ? "cover art" : (str(s.codec_type) ?? "unknown"))))];
    const found = kinds.length ? `it only contains ${kinds.join(" and ")}` : "it contains no streams";
    throw fail("media.no_video_stream", `The file has no video stream: ${found}.`);
  }

  const codec = str(video.codec_name);
  if (!codec || codec === "none" || codec === "ansi") {
    const tag = str(video.codec_tag_string);
    throw fail("media.corrupt", `The video stream's codec${tag && !/^\[/.test(tag) ? ` (${tag})` : ""} is not recognised: the file is damaged or uses an unsupported codec.`);
  }
  if (policy && !allows(policy.codecs, codec)) {
    throw fail("media.unsupported_codec", `The video codec (${codec}) is not accepted here; accepted: ${(policy.codecs as readonly string[]).join(", ")}.`);
  }
  const codedWidth = int(video.width);
  const codedHeight = int(video.height);
  if (!codedWidth || !codedHeight || codedWidth <= 0 || codedHeight <= 0) {
    throw fail("media.corrupt", "The video stream has no usable picture size: the file is damaged.");
  }
  if (str(video.nb_frames) === "0") throw fail("media.corrupt", "The video stream contains no frames: the file is damaged or incomplete.");

  const fps = frameRate(video);
  let durationSec = videoDuration(video, format);
  if (durationSec === undefined) {
    // Raw elementary streams and some live recordings declare no duration: count packets (one
    // demux pass, no decoding) and use the frame rate ffmpeg will also assume when decoding.
    durationSec = await countedDuration(path, video.index, fps, timeoutMs);
  }
  if (durationSec === undefined || !(durationSec > 0)) {
    throw fail("media.corrupt", "The video's duration cannot be determined or is zero: the file is damaged or incomplete.");
  }
  if (durationSec > limits.maxDurationSec) {
    throw fail("media.too_long", `The video is ${formatDuration(durationSec)} long, over the limit of ${formatDuration(limits.maxDurationSec)}.`);
  }

  const { width, height } = displaySize(codedWidth, codedHeight, video);
  if (policy) {
    const { longSide, shortSide } = policy.maxResolution;
    if (Math.max(width, height) > longSide || Math.min(width, height) > shortSide) {
      throw fail("media.resolution_too_large", `The video is ${width}x${height}, larger than the accepted ${longSide}x${shortSide} (either orientation).`);
    }
  }
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

// ---------------------------------------------------------------------------------------------
// ffprobe JSON

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<Record<string, unknown>>;
}

interface ProbeFormat {
  format_name?: string;
  start_time?: string;
  duration?: string;
  tags?: Record<string, string>;
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: ProbeFormat;
}

function parseJson(text: string): ProbeJson | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as ProbeJson) : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value === "" || value === "N/A") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** "30000/1001" -> 29.97; "0/0", "N/A" -> undefined. */
export function parseRational(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(-?\d+(?:\.\d+)?)(?:[/:](\d+(?:\.\d+)?))?$/.exec(value.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const d = match[2] === undefined ? 1 : Number(match[2]);
  if (!(d > 0) || !Number.isFinite(n)) return undefined;
  const result = n / d;
  return result > 0 && Number.isFinite(result) ? result : undefined;
}

function frameRate(video: ProbeStream): number {
  const sane = (fps: number | undefined) => (fps !== undefined && fps > 0 && fps <= 1000 ? fps : undefined);
  const avg = sane(parseRational(video.avg_frame_rate));
  if (avg) return avg;
  const frames = num(video.nb_frames);
  const duration = num(video.duration);
  const counted = frames && duration ? sane(frames / duration) : undefined;
  return counted ?? sane(parseRational(video.r_frame_rate)) ?? 0;
}

/** "00:01:02.500000000" (Matroska DURATION tag) -> 62.5 */
function parseClock(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * Where the video stream ends on the file timeline. ffmpeg shifts decoded timestamps so the
 * file starts at 0; a video stream that starts later than the file (audio first) ends at its
 * own start offset plus its duration. Falls back to the container's duration.
 */
function videoDuration(video: ProbeStream, format: ProbeFormat): number | undefined {
  const positive = (value: number | undefined) => (value !== undefined && value > 0 ? value : undefined);
  const streamDuration = positive(num(video.duration)) ?? positive(parseClock(video.tags?.DURATION ?? video.tags?.duration));
  if (streamDuration !== undefined) {
    const offset = (num(video.start_time) ?? 0) - (num(format.start_time) ?? 0);
    return streamDuration + (offset > 0 && offset < streamDuration ? offset : 0);
  }
  return positive(num(format.duration));
}

async function countedDuration(path: string, index: number, fps: number, timeoutMs: number): Promise<number | undefined> {
  const args = ["-v", "error", "-count_packets", "-select_streams", String(index), "-show_streams", "-of", "json", `file:${path}`];
  const result = await runTool(ffprobePath(), args, { timeoutMs });
  if (result.timedOut) throw new Error(`ffprobe -count_packets did not finish within ${Math.round(timeoutMs / 1000)} s on ${path}`);
  const stream = parseJson(result.stdout)?.streams?.[0];
  const packets = num(stream?.nb_read_packets);
  if (!packets) return undefined;
  return packets / (fps > 0 ? fps : 25); // 25 fps: what ffmpeg assumes for a stream without timing
}

function rotation(video: ProbeStream): number {
  for (const entry of video.side_data_list ?? []) {
    const value = num(entry.rotation);
    if (value !== undefined) return value;
  }
  return num(video.tags?.rotate) ?? 0;
}

/** The size a player shows: non-square pixels stretched horizontally, 90/270 degree rotation applied. */
function displaySize(codedWidth: number, codedHeight: number, video: ProbeStream): { width: number; height: number } {
  const sar = parseRational(video.sample_aspect_ratio);
  let width = sar && Math.abs(sar - 1) > 1e-3 ? Math.max(1, Math.round(codedWidth * sar)) : codedWidth;
  let height = codedHeight;
  if (Math.abs(Math.round(rotation(video) / 90)) % 2 === 1) [width, height] = [height, width];
  return { width, height };
}

function isImageFormat(formatName: string): boolean {
  return formatName === "image2" || formatName.endsWith("_pipe") || formatName === "tty";
}

function containerName(formatName: string, tags: Record<string, string> | undefined): string {
  if (formatName.startsWith("mov,")) return tags?.major_brand?.trim() === "qt" ? "mov" : "mp4";
  return formatName.split(",")[0] || "unknown";
}

// ---------------------------------------------------------------------------------------------
// container signatures (to tell "damaged video" from "not a video" when ffprobe fails)

const ISO_BOXES = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof", "junk", "pict"]);

/** A container name when the file starts with a known video container signature. */
export function detectContainer(head: Uint8Array): string | undefined {
  const ascii = (start: number, end: number) => String.fromCharCode(...head.subarray(start, end));
  if (head.length >= 8 && ISO_BOXES.has(ascii(4, 8))) return "an MP4/MOV video";
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "a Matroska/WebM video";
  if (head.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "AVI ") return "an AVI video";
  if (head.length >= 3 && ascii(0, 3) === "FLV") return "an FLV video";
  if (head.length >= 4 && ascii(0, 4) === "OggS") return "an Ogg video";
  if (head.length >= 4 && head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75) return "a WMV/ASF video";
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 1 && head[3] === 0xba) return "an MPEG program stream";
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return "an MPEG transport stream";
  return undefined;
}

async function sniffContainer(path: string): Promise<string | undefined> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return detectContainer(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// messages

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, "0")} s`;
  return `${seconds < 10 ? Number(seconds.toFixed(1)) : s} s`;
}
