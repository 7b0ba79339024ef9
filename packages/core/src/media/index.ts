/**
 * Media: find ffmpeg/ffprobe, probe a video, decode sampled frames, encode thumbnails.
 *   probe(file, limits)              -> MediaInfo, or a specific permanent media.* VisibleError
 *   sampleFrames(file, info, opts)   -> AsyncIterable<SampledFrame> (one ffmpeg process)
 *   encodeJpeg(frame, { width })     -> JPEG Buffer
 */
export { ffmpegPath, ffprobePath, resolveBinary, resetBinaryCache, ffmpegCapabilities, type FfmpegCapabilities, type ResolvedBinary } from "./binaries.js";
export { containerOfFilename } from "./containers.js";
export { probe, type MediaInfo, type MediaPolicy, type ProbeLimits, type ProbeOptions } from "./probe.js";
export { sampleFrames, type SampledFrame, type SampleFramesOptions } from "./frames.js";
export { sampleArgs, outputSize } from "./sample-args.js";
export {
  DEFAULT_SAMPLING,
  resolveSampling,
  selectExpression,
  isCandidate,
  candidateReason,
  keepCandidate,
  createSampler,
  type SamplingOptions,
  type FrameReason,
  type Candidate,
  type Decided,
  type Sampler,
  type SampleRange,
  slotOf,
} from "./sampling.js";
export {
  frameSignature,
  isNearDuplicate,
  hammingDistance,
  colourDistance,
  cellDistance,
  DEFAULT_DEDUP_THRESHOLDS,
  type FrameSignature,
  type DedupThresholds,
} from "./dedup.js";
export { encodeJpeg, DEFAULT_THUMBNAIL_WIDTH, type JpegOptions } from "./thumbnail.js";
