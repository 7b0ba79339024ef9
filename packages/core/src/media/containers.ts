/**
 * The container a file name promises, as ffprobe names it (what `VOS_CONTAINERS` lists), so an
 * upload in a container that is not accepted is refused before any byte moves. Unknown or missing
 * extensions promise nothing: probe decides once the file is there.
 */
const BY_EXTENSION: Record<string, string> = {
  mp4: "mp4",
  m4v: "mp4",
  "3gp": "mp4",
  "3g2": "mp4",
  mov: "mov",
  qt: "mov",
  mkv: "matroska",
  webm: "matroska",
  avi: "avi",
  ts: "mpegts",
  mts: "mpegts",
  m2ts: "mpegts",
  mpg: "mpeg",
  mpeg: "mpeg",
  vob: "mpeg",
  flv: "flv",
  ogv: "ogg",
  ogg: "ogg",
  wmv: "asf",
  asf: "asf",
  mxf: "mxf",
  h264: "h264",
  "264": "h264",
  hevc: "hevc",
  h265: "hevc",
  "265": "hevc",
  gif: "gif",
  apng: "apng",
  swf: "swf",
  rm: "rm",
  rmvb: "rm",
};

export function containerOfFilename(filename: string): string | undefined {
  const match = /\.([a-z0-9]{1,8})$/i.exec(filename);
  return match ? BY_EXTENSION[match[1]!.toLowerCase()] : undefined;
}
