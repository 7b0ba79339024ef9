/**
 * Whether a probed file is a video this deployment accepts. Each check throws the permanent
 * media.* error that probe.ts's table lists; probe runs them in that table's order.
 */
import { VisibleError } from "../error.js";
import { containerName, int, isImageFormat, str, type ProbeFormat, type ProbeStream } from "./ffprobe-json.js";

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

const PERMANENT = true;

export function fail(code: string, message: string, status: 413 | 422 = 422): VisibleError {
  return new VisibleError(code, message, status, PERMANENT);
}

/** Before ffprobe runs: an empty file, or one over the size limit. */
export function checkFileSize(sizeBytes: number, maxBytes: number): void {
  if (sizeBytes === 0) throw fail("media.empty", "The file is empty (0 bytes). Upload the video again.");
  if (sizeBytes > maxBytes) {
    throw fail("media.too_large", `The file is ${formatBytes(sizeBytes)}, over the limit of ${formatBytes(maxBytes)}.`, 413);
  }
}

export interface AcceptedStreams {
  format: ProbeFormat;
  /** The first video stream that is not cover art or a thumbnail track. */
  video: ProbeStream;
  codec: string;
  container: string;
  codedWidth: number;
  codedHeight: number;
}

/** ffprobe's answer: a video (not a still image) in an accepted container and codec, with a picture size and frames. */
export function checkStreams(format: ProbeFormat, streams: readonly ProbeStream[], policy: MediaPolicy | undefined): AcceptedStreams {
  const formatName = str(format.format_name) ?? "";
  if (isImageFormat(formatName)) {
    throw fail("media.not_a_video", `The file is a still image (${formatName.replace(/_pipe$/, "")}), not a video.`);
  }
  const container = containerName(formatName, format.tags);
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
  return { format, video, codec, container, codedWidth, codedHeight };
}

/** A duration that is known, above zero and within the limit. */
export function checkDuration(durationSec: number | undefined, maxDurationSec: number): number {
  if (durationSec === undefined || !(durationSec > 0)) {
    throw fail("media.corrupt", "The video's duration cannot be determined or is zero: the file is damaged or incomplete.");
  }
  if (durationSec > maxDurationSec) {
    throw fail("media.too_long", `The video is ${formatDuration(durationSec)} long, over the limit of ${formatDuration(maxDurationSec)}.`);
  }
  return durationSec;
}

/** The displayed picture within the policy's resolution, in either orientation. */
export function checkResolution(width: number, height: number, policy: MediaPolicy | undefined): void {
  if (!policy) return;
  const { longSide, shortSide } = policy.maxResolution;
  if (Math.max(width, height) > longSide || Math.min(width, height) > shortSide) {
    throw fail("media.resolution_too_large", `The video is ${width}x${height}, larger than the accepted ${longSide}x${shortSide} (either orientation).`);
  }
}

// ---------------------------------------------------------------------------------------------
// messages

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
