/** The page's check of a file's first bytes before it uploads: which containers pass, what is refused and how it is named. */
import { describe, expect, it } from "vitest";
import { HEAD_BYTES, notAVideo, screenFiles, sniffVideo } from "../src/upload/sniff";

/** `HEAD_BYTES` of zeros with `parts` written at their offsets (strings as ASCII). */
function head(...parts: [offset: number, bytes: string | number[]][]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(HEAD_BYTES);
  for (const [offset, bytes] of parts) out.set(typeof bytes === "string" ? Array.from(bytes, (c) => c.charCodeAt(0)) : bytes, offset);
  return out;
}
const bytes = (text: string) => new TextEncoder().encode(text);

describe("sniffVideo", () => {
  it.each([
    ["MP4 (isom)", head([0, [0, 0, 0, 0x20]], [4, "ftypisom"]), "MP4"],
    ["M4V", head([0, [0, 0, 0, 0x1c]], [4, "ftypM4V "]), "MP4"],
    ["3GP", head([0, [0, 0, 0, 0x14]], [4, "ftyp3gp4"]), "MP4"],
    ["MOV", head([0, [0, 0, 0, 0x14]], [4, "ftypqt  "]), "QuickTime"],
    ["old QuickTime (moov first)", head([0, [0, 0, 0x10, 0]], [4, "moov"]), "MP4"],
    ["Matroska/WebM", head([0, [0x1a, 0x45, 0xdf, 0xa3]]), "Matroska/WebM"],
    ["AVI", head([0, "RIFF"], [4, [0x10, 0, 0, 0]], [8, "AVI LIST"]), "AVI"],
    ["MPEG-TS", head([0, [0x47, 0x40]], [188, [0x47]], [376, [0x47]]), "MPEG-TS"],
    ["M2TS", head([4, [0x47]], [196, [0x47]]), "MPEG-TS"],
    ["MPEG-PS", head([0, [0, 0, 1, 0xba]]), "MPEG-PS"],
    ["raw H.264", head([0, [0, 0, 0, 1, 0x67]]), "MPEG video stream"],
    ["MPEG-1 video", head([0, [0, 0, 1, 0xb3]]), "MPEG video stream"],
    ["FLV", head([0, "FLV"], [3, [1, 5]]), "FLV"],
    ["Ogg", head([0, "OggS"]), "Ogg"],
    ["ASF/WMV", head([0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c]]), "ASF/WMV"],
    ["MXF", head([0, [0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05, 0x01, 0x01]]), "MXF"],
  ])("recognises %s", (_name, start, format) => {
    expect(sniffVideo(start)).toEqual({ video: true, format });
  });

  it("recognises a file shorter than the head it asks for", () => {
    expect(sniffVideo(head([0, [0x1a, 0x45, 0xdf, 0xa3]]).subarray(0, 40))).toEqual({ video: true, format: "Matroska/WebM" });
  });

  it.each([
    ["text", bytes("Meeting notes\n- buy milk\n- café at 10\n"), "it looks like text"],
    ["text cut inside a character", bytes("notes: café").subarray(0, 11), "it looks like text"],
    ["UTF-16 text", head([0, [0xff, 0xfe, 0x68, 0]]), "it looks like text"],
    ["an SVG", bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'), "it is an SVG image"],
    ["a GIF", head([0, "GIF89a"], [6, [1, 0, 1, 0]]), "it is a GIF image"],
    ["a PNG", head([0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]), "it is a PNG image"],
    ["a JPEG", head([0, [0xff, 0xd8, 0xff, 0xe0]]), "it is a JPEG image"],
    ["a WebP", head([0, "RIFF"], [8, "WEBPVP8 "]), "it is a WebP image"],
    ["a HEIC photo", head([0, [0, 0, 0, 0x18]], [4, "ftypheic"]), "it is a HEIC image"],
    ["an M4A", head([0, [0, 0, 0, 0x20]], [4, "ftypM4A "]), "it is an M4A audio file"],
    ["a WAV", head([0, "RIFF"], [8, "WAVEfmt "]), "it is a WAV audio file"],
    ["an MP3", head([0, "ID3"], [3, [4]]), "it is an MP3 audio file"],
    ["a PDF", bytes("%PDF-1.7\n%\xe2\xe3\n"), "it is a PDF document"],
    ["a ZIP", head([0, [0x50, 0x4b, 3, 4]]), "it is a ZIP archive (or a document stored as one)"],
    ["an empty file", new Uint8Array(0), "it is empty"],
  ])("refuses %s and says what it is", (_name, start, hint) => {
    expect(sniffVideo(start)).toEqual({ video: false, hint });
  });

  it("refuses unknown bytes, naming them only from the browser's type if it has one", () => {
    const unknown = head([0, [0x00, 0x13, 0x37, 0x00, 0xde, 0xad]]);
    expect(sniffVideo(unknown)).toEqual({ video: false });
    expect(sniffVideo(unknown, "image/x-icon")).toEqual({ video: false, hint: "it is an image" });
    // An icon starts 00 00 01 00, which is no stream's start code.
    expect(sniffVideo(head([0, [0, 0, 1, 0, 1, 0]])).video).toBe(false);
    // One MPEG-TS sync byte is not a transport stream.
    expect(sniffVideo(head([0, [0x47]])).video).toBe(false);
  });

  it("words a refusal plainly", () => {
    expect(notAVideo("notes.mp4", { video: false, hint: "it looks like text" })).toBe("notes.mp4 is not a video file: it looks like text.");
    expect(notAVideo("blob.mkv", { video: false })).toBe("blob.mkv is not a video file: it matches no video format.");
  });
});

describe("screenFiles", () => {
  it("keeps the videos in order and words each refusal", async () => {
    const mp4 = new File([head([0, [0, 0, 0, 0x20]], [4, "ftypisom"])], "clip.mp4", { type: "video/mp4" });
    const notes = new File(["just words"], "notes.mp4", { type: "video/mp4" });
    const gif = new File([head([0, "GIF89a"])], "cat.gif", { type: "image/gif" });
    const ogg = new File([head([0, "OggS"])], "talk.ogg", { type: "audio/ogg", lastModified: 1_700_000_000_000 });
    const webm = new File([head([0, [0x1a, 0x45, 0xdf, 0xa3]])], "walk.webm", { type: "" });

    const { videos, refused } = await screenFiles([mp4, notes, gif, ogg, webm]);

    expect(videos.map((file) => file.name)).toEqual(["clip.mp4", "talk.ogg", "walk.webm"]);
    expect(videos[0]).toBe(mp4);
    expect(videos[2]).toBe(webm);
    // Its bytes were checked: the browser's audio/ogg guess from the name would be refused by the server.
    expect(videos[1]).toMatchObject({ type: "application/octet-stream", size: ogg.size, lastModified: ogg.lastModified });
    expect(refused).toEqual(["notes.mp4 is not a video file: it looks like text.", "cat.gif is not a video file: it is a GIF image."]);
  });
});
