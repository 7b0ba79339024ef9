/**
 * Known video container signatures, to tell "damaged video" from "not a video" when ffprobe fails
 * on a file: a real container starts with its signature even when the rest is cut off.
 */
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
