/**
 * Tells video files from everything else by their first bytes, before any byte is uploaded: a
 * text file named .mp4 or a GIF is refused on the page at once, in plain words, instead of
 * failing on the server seconds later. Only the container is checked; the server still probes
 * the whole file and has the last word on codecs, limits and the containers it accepts.
 */

/** Enough for every signature below (an MPEG transport stream's third sync byte is at 376). */
export const HEAD_BYTES = 512;

export type Sniffed = { readonly video: true; readonly format: string } | { readonly video: false; readonly hint?: string };

/** ISO-BMFF box types a file may start with (MP4, MOV, M4V, 3GP; old QuickTime files start with moov, mdat or wide). */
const ISO_BOXES = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof", "junk", "pict"]);
/** ISO-BMFF brands of stills and sound, which share the video container. */
const ISO_NOT_VIDEO: Record<string, string> = {
  heic: "it is a HEIC image",
  heix: "it is a HEIC image",
  heim: "it is a HEIC image",
  heis: "it is a HEIC image",
  mif1: "it is a HEIF image",
  avif: "it is an AVIF image",
  "M4A ": "it is an M4A audio file",
  "M4B ": "it is an M4B audio book",
};
const ASF_GUID = [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c];

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Uint8Array, start: number, end: number) => String.fromCharCode(...head.subarray(start, end));

/** The video container the bytes start with, if any. */
function videoFormat(head: Uint8Array): Sniffed | undefined {
  const found = (format: string): Sniffed => ({ video: true, format });
  if (head.length >= 8 && ISO_BOXES.has(ascii(head, 4, 8))) {
    const brand = ascii(head, 4, 8) === "ftyp" ? ascii(head, 8, 12) : "";
    const other = ISO_NOT_VIDEO[brand];
    return other ? { video: false, hint: other } : found(brand === "qt  " ? "QuickTime" : "MP4");
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return found("Matroska/WebM");
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "AVI ") return found("AVI");
  if (ascii(head, 0, 3) === "FLV" && head[3] === 1) return found("FLV");
  if (ascii(head, 0, 4) === "OggS") return found("Ogg");
  if (startsWith(head, ASF_GUID)) return found("ASF/WMV");
  // MPEG-TS packets are 188 bytes, each starting with 0x47; M2TS (AVCHD, Blu-ray) puts a 4-byte time code before each.
  if (head[0] === 0x47 && head[188] === 0x47 && (head.length < 377 || head[376] === 0x47)) return found("MPEG-TS");
  if (head[4] === 0x47 && head[196] === 0x47) return found("MPEG-TS");
  if (startsWith(head, [0, 0, 1, 0xba])) return found("MPEG-PS");
  // Raw MPEG video, H.264 and HEVC streams start with a start code (00 00 01) and a header byte; 00 00 01 00 is an icon.
  if ((startsWith(head, [0, 0, 1]) && head[3] !== 0 && head[3] !== undefined) || (startsWith(head, [0, 0, 0, 1]) && head[4] !== 0 && head[4] !== undefined)) return found("MPEG video stream");
  if (startsWith(head, [0x06, 0x0e, 0x2b, 0x34])) return found("MXF");
  if (ascii(head, 0, 4) === ".RMF") return found("RealMedia");
  if (ascii(head, 0, 4) === "DKIF") return found("IVF");
  if (ascii(head, 0, 9) === "YUV4MPEG2") return found("Y4M");
  if (ascii(head, 0, 24) === "nut/multimedia container") return found("NUT");
  return undefined;
}

/** What a file that is no video looks like, when its bytes say so plainly. */
function otherKind(head: Uint8Array): string | undefined {
  const tag = ascii(head, 0, 4);
  if (tag === "GIF8") return "it is a GIF image";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return "it is a PNG image";
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "it is a JPEG image";
  if (tag === "RIFF" && ascii(head, 8, 12) === "WEBP") return "it is a WebP image";
  if (tag === "RIFF" && ascii(head, 8, 12) === "WAVE") return "it is a WAV audio file";
  if (tag === "II*\0" || tag === "MM\0*") return "it is a TIFF image";
  if (ascii(head, 0, 2) === "BM" && head.length >= 26 && head[14] !== undefined && [12, 40, 52, 56, 108, 124].includes(head[14])) return "it is a BMP image";
  if (tag === "%PDF") return "it is a PDF document";
  if (tag === "PK\x03\x04") return "it is a ZIP archive (or a document stored as one)";
  if (startsWith(head, [0x1f, 0x8b])) return "it is a compressed (gzip) file";
  if (tag === "Rar!") return "it is a RAR archive";
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return "it is a 7-Zip archive";
  if (tag === "fLaC") return "it is a FLAC audio file";
  if (ascii(head, 0, 3) === "ID3") return "it is an MP3 audio file";
  // UTF-16 text starts with a byte order mark, which the audio check below would take for a frame sync.
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return "it looks like text";
  if (head[0] === 0xff && head[1] !== undefined && (head[1] & 0xe0) === 0xe0) return "it is an MP3 or AAC audio file";
  return text(head);
}

/** "it looks like text" when the bytes are UTF-8 without control characters (an SVG is named as such). */
function text(head: Uint8Array): string | undefined {
  if (head.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d)) return undefined;
  let decoded: string;
  try {
    // stream: a character cut at the end of the head is not an error.
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
  return /<svg[\s>]/i.test(decoded) ? "it is an SVG image" : "it looks like text";
}

/** What the browser's type says, when the bytes say nothing plain. */
function kindOfType(type: string): string | undefined {
  if (type.startsWith("image/")) return "it is an image";
  if (type.startsWith("audio/")) return "it is an audio file";
  return undefined;
}

/** Whether `head` (a file's first bytes, `HEAD_BYTES` or all of a shorter file) starts a video container. */
export function sniffVideo(head: Uint8Array, type = ""): Sniffed {
  if (head.length === 0) return { video: false, hint: "it is empty" };
  const video = videoFormat(head);
  if (video) return video;
  const hint = otherKind(head) ?? kindOfType(type.toLowerCase());
  return hint ? { video: false, hint } : { video: false };
}

/** The plain sentence the page shows for a refused file. */
export function notAVideo(name: string, sniffed: Extract<Sniffed, { video: false }>): string {
  return `${name} is not a video file: ${sniffed.hint ?? "it matches no video format"}.`;
}

export interface Screened {
  /** The files to upload, in the order given. */
  videos: File[];
  /** One sentence per refused file. */
  refused: string[];
}

/**
 * Reads the head of each file and keeps the videos. A video whose browser type is not video/*
 * (an .ogg the browser calls audio/ogg) is sent with a neutral type, since its bytes were checked.
 */
export async function screenFiles(files: readonly File[]): Promise<Screened> {
  const verdicts = await Promise.all(
    files.map(async (file): Promise<Sniffed | Error> => {
      try {
        return sniffVideo(new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer()), file.type);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }),
  );
  const screened: Screened = { videos: [], refused: [] };
  files.forEach((file, i) => {
    const verdict = verdicts[i]!;
    if (verdict instanceof Error) screened.refused.push(`${file.name} could not be read: choose it again.`);
    else if (!verdict.video) screened.refused.push(notAVideo(file.name, verdict));
    else if (file.type && !/^video\//i.test(file.type)) screened.videos.push(new File([file], file.name, { type: "application/octet-stream", lastModified: file.lastModified }));
    else screened.videos.push(file);
  });
  return screened;
}
