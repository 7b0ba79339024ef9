/**
 * The ffmpeg command line behind `sampleFrames` (frames.ts): scale, pick candidates, write them as
 * packed rgb24 to stdout, and log each picked frame's timestamp and scene score on stderr.
 *
 * Timestamps and scene scores: `settb=AVTB` puts frame times in microseconds and
 * `metadata=mode=print` logs, for each selected frame, `frame:N pts:<us> pts_time:<s>`, then its
 * metadata (`lavfi.scene_score=...` set by `select`, then `vos_sel=1` added just before, which
 * closes the record). These lines come on stderr (`-loglevel level+info`, unbuffered), in output
 * order; frame k of stdout pairs with record k. `-vsync passthrough` (`-fps_mode passthrough` on
 * ffmpeg >= 5.1) guarantees one output frame per selected frame: `vfr` may still drop a frame
 * whose timestamp rounds onto the previous one in the encoder's time base, which would break the
 * pairing, and rawvideo's default (cfr) would duplicate frames.
 */
import { ffmpegCapabilities, type FfmpegCapabilities } from "./binaries.js";
import { inputArgs } from "./input.js";
import type { MediaInfo } from "./probe.js";
import { selectExpression, type SamplingOptions } from "./sampling.js";

/** Output size for a requested width: display aspect kept, height even and at least 2. */
export function outputSize(info: Pick<MediaInfo, "width" | "height">, width: number): { width: number; height: number } {
  if (!Number.isInteger(width) || width < 2) throw new RangeError(`frame width must be an integer >= 2, got ${width}`);
  if (!(info.width > 0 && info.height > 0)) throw new RangeError(`media info has no picture size (${info.width}x${info.height})`);
  const height = Math.max(2, Math.round((width * info.height) / info.width / 2) * 2);
  return { width, height };
}

/** Escapes an option value for a filtergraph string: once for the option parser (`:`), once
 * for the graph parser (`,` `;` `[` `]`); quotes and backslashes at both levels. */
export function escapeFilterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'\[\],;]/g, (c) => `\\${c}`);
}

const seekDecimal = (sec: number) => sec.toFixed(6).replace(/\.?0+$/, "");

/** The ffmpeg arguments sampleFrames uses (exported for logs, the docs and tests). */
export function sampleArgs(
  file: string,
  size: { width: number; height: number },
  sampling: Pick<SamplingOptions, "fps" | "sceneThreshold">,
  capabilities: Pick<FfmpegCapabilities, "fpsMode"> = ffmpegCapabilities(),
  seekSec = 0,
): string[] {
  const filters = [
    // Scale (and convert) first: the scene score is then computed on small rgb frames, much
    // cheaper than on full-size ones (ffmpeg 4.1 would convert every full frame to rgb24).
    `scale=${size.width}:${size.height}:flags=area`,
    "format=rgb24",
    `select=expr=${escapeFilterValue(selectExpression(sampling, seekSec))}`,
    "settb=AVTB",
    "metadata=mode=add:key=vos_sel:value=1",
    "metadata=mode=print",
  ];
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "level+info",
    // Before -i: ffmpeg seeks to the keyframe before, decodes from there and drops the frames
    // before seekSec; the times it prints then start at 0 (frames.ts adds seekSec back).
    ...(seekSec > 0 ? ["-ss", seekDecimal(seekSec)] : []),
    ...inputArgs(file),
    "-map",
    "0:V:0", // first video stream that is not cover art
    "-an",
    "-sn",
    "-dn",
    "-vf",
    filters.join(","),
    ...(capabilities.fpsMode ? ["-fps_mode", "passthrough"] : ["-vsync", "passthrough"]),
    "-pix_fmt",
    "rgb24",
    "-f",
    "rawvideo",
    "pipe:1",
  ];
}
