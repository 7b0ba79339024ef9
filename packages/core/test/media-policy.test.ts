/**
 * The accepted containers, codecs and picture sizes (VOS_CONTAINERS, VOS_CODECS,
 * VOS_MAX_RESOLUTION), with the shipped defaults and with narrowed settings, on real files
 * through ffprobe.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { VisibleError } from "../src/error.js";
import { containerOfFilename, probe, type MediaPolicy } from "../src/media/index.js";
import { animatedGif, colourVideo, mpeg4Avi, rawH264, rotatedVideo } from "./support/videos.js";

const LIMITS = { maxBytes: 1024 ** 3, maxDurationSec: 3600 };
const policyOf = (env: Record<string, string> = {}): MediaPolicy => loadConfig(env).media;

async function rejection(promise: Promise<unknown>): Promise<VisibleError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof VisibleError)) throw new Error(`expected a VisibleError, got ${String(error)}`);
  return error;
}

describe("accepted videos", () => {
  it("takes the common containers and codecs with the default policy", async () => {
    const policy = policyOf();
    await expect(probe(await colourVideo(), { ...LIMITS, policy })).resolves.toMatchObject({ container: "mp4", codec: "h264" });
    await expect(probe(await mpeg4Avi(), { ...LIMITS, policy })).resolves.toMatchObject({ container: "avi", codec: "mpeg4" });
    await expect(probe(await rawH264(), { ...LIMITS, policy })).resolves.toMatchObject({ container: "h264", codec: "h264" });
  });

  it("turns away an animated GIF by default, naming the container and what is accepted", async () => {
    const error = await rejection(probe(await animatedGif(), { ...LIMITS, policy: policyOf() }));
    expect(error).toMatchObject({ code: "media.unsupported_container", status: 422, permanent: true });
    expect(error.message).toMatch(/container \(gif\) is not accepted here; accepted: mp4, mov, matroska/);
    // `*` accepts whatever ffmpeg reads (the GIF's codec is then allowed explicitly).
    await expect(probe(await animatedGif(), { ...LIMITS, policy: policyOf({ VOS_CONTAINERS: "*", VOS_CODECS: "*" }) })).resolves.toMatchObject({ container: "gif", codec: "gif" });
  });

  it("turns away a container or a codec left off the lists", async () => {
    const noAvi = policyOf({ VOS_CONTAINERS: "mp4, mov" });
    expect(await rejection(probe(await mpeg4Avi(), { ...LIMITS, policy: noAvi }))).toMatchObject({ code: "media.unsupported_container" });
    const h264Only = policyOf({ VOS_CODECS: "H264" }); // names are compared in lower case
    const error = await rejection(probe(await mpeg4Avi(), { ...LIMITS, policy: h264Only }));
    expect(error).toMatchObject({ code: "media.unsupported_codec", status: 422, permanent: true });
    expect(error.message).toBe("The video codec (mpeg4) is not accepted here; accepted: h264.");
    await expect(probe(await colourVideo(), { ...LIMITS, policy: h264Only })).resolves.toMatchObject({ codec: "h264" });
  });

  it("turns away a picture over the largest size in either orientation", async () => {
    // colourVideo is 320x240; rotatedVideo is displayed 240x320.
    const small = policyOf({ VOS_MAX_RESOLUTION: "300x200" });
    const error = await rejection(probe(await colourVideo(), { ...LIMITS, policy: small }));
    expect(error).toMatchObject({ code: "media.resolution_too_large", status: 422, permanent: true });
    expect(error.message).toBe("The video is 320x240, larger than the accepted 300x200 (either orientation).");
    const fits = policyOf({ VOS_MAX_RESOLUTION: "240x320" }); // written portrait, still fits landscape
    await expect(probe(await colourVideo(), { ...LIMITS, policy: fits })).resolves.toMatchObject({ width: 320, height: 240 });
    await expect(probe(await rotatedVideo(), { ...LIMITS, policy: fits })).resolves.toMatchObject({ width: 240, height: 320 });
  });

  it("reads the container a file name promises, in ffprobe's names, so uploads can be refused before they start", () => {
    expect(["a.mp4", "b.M4V", "c.webm", "d.mkv", "e.mov", "f.ts", "g.gif", "h.wmv", "i.h265"].map(containerOfFilename)).toEqual([
      "mp4", "mp4", "matroska", "matroska", "mov", "mpegts", "gif", "asf", "hevc",
    ]);
    // No extension, or one that names no container: nothing promised, probe decides.
    expect(["clip", "clip.bin", "clip.mp4.part", ".mp4x"].map(containerOfFilename)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("stops start-up on a malformed list or size, naming the variable", () => {
    expect(() => loadConfig({ VOS_MAX_RESOLUTION: "4k" })).toThrow(/VOS_MAX_RESOLUTION="4k": expected WIDTHxHEIGHT/);
    expect(() => loadConfig({ VOS_CODECS: "h264;vp9" })).toThrow(/VOS_CODECS="h264;vp9": expected names separated by commas, or \*/);
    expect(() => loadConfig({ VOS_CONTAINERS: " , " })).toThrow(/VOS_CONTAINERS=" , ": expected at least one name, or \*/);
    expect(loadConfig({ VOS_CONTAINERS: "mp4,*" }).media.containers).toBe("*");
    expect(loadConfig().media.maxResolution).toEqual({ longSide: 8192, shortSide: 4320 });
  });
});
