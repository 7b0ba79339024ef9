/**
 * ffprobe's JSON (`-show_format -show_streams -of json`) and what is read from it: frame rate,
 * where the video ends, the displayed picture size, the container's short name.
 */

export interface ProbeStream {
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

export interface ProbeFormat {
  format_name?: string;
  start_time?: string;
  duration?: string;
  tags?: Record<string, string>;
}

export interface ProbeJson {
  streams?: ProbeStream[];
  format?: ProbeFormat;
}

export function parseJson(text: string): ProbeJson | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as ProbeJson) : undefined;
  } catch {
    return undefined;
  }
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

export function num(value: unknown): number | undefined {
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

export function frameRate(video: ProbeStream): number {
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
export function videoDuration(video: ProbeStream, format: ProbeFormat): number | undefined {
  const positive = (value: number | undefined) => (value !== undefined && value > 0 ? value : undefined);
  const streamDuration = positive(num(video.duration)) ?? positive(parseClock(video.tags?.DURATION ?? video.tags?.duration));
  if (streamDuration !== undefined) {
    const offset = (num(video.start_time) ?? 0) - (num(format.start_time) ?? 0);
    return streamDuration + (offset > 0 && offset < streamDuration ? offset : 0);
  }
  return positive(num(format.duration));
}

function rotation(video: ProbeStream): number {
  for (const entry of video.side_data_list ?? []) {
    const value = num(entry.rotation);
    if (value !== undefined) return value;
  }
  return num(video.tags?.rotate) ?? 0;
}

/** The size a player shows: non-square pixels stretched horizontally, 90/270 degree rotation applied. */
export function displaySize(codedWidth: number, codedHeight: number, video: ProbeStream): { width: number; height: number } {
  const sar = parseRational(video.sample_aspect_ratio);
  let width = sar && Math.abs(sar - 1) > 1e-3 ? Math.max(1, Math.round(codedWidth * sar)) : codedWidth;
  let height = codedHeight;
  if (Math.abs(Math.round(rotation(video) / 90)) % 2 === 1) [width, height] = [height, width];
  return { width, height };
}

export function isImageFormat(formatName: string): boolean {
  return formatName === "image2" || formatName.endsWith("_pipe") || formatName === "tty";
}

export function containerName(formatName: string, tags: Record<string, string> | undefined): string {
  if (formatName.startsWith("mov,")) return tags?.major_brand?.trim() === "qt" ? "mov" : "mp4";
  return formatName.split(",")[0] || "unknown";
}
