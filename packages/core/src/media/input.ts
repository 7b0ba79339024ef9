/**
 * Where ffprobe and ffmpeg read a video: a local file, or an http(s) URL (a presigned S3 GET),
 * which they read through range requests: a segment's job fetches its part of the file and the
 * index, not the whole upload. Reading over the network can fail for reasons that say nothing
 * about the video (an expired URL, a dropped connection): those are told apart here, so they are
 * retried instead of failing the video as corrupt.
 */
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";

/** Bytes read from the start of an input, to recognise a container when ffprobe cannot. */
export const HEAD_BYTES = 512;

/** ffmpeg's wait on one network read before it gives up (microseconds): a stalled connection fails the attempt. */
const IO_TIMEOUT_US = 30_000_000;

export const isRemote = (input: string): boolean => /^https?:\/\//i.test(input);

/** The input for logs and messages: a URL without its query (a presigned URL's signature is a secret). */
export function describeInput(input: string): string {
  if (!isRemote(input)) return resolve(input);
  const url = new URL(input);
  return `${url.origin}${url.pathname}`;
}

/** The ffmpeg/ffprobe arguments naming the input, options first: `-i file:<path>`, or the URL with reconnects. */
export function inputArgs(input: string, flag: "-i" | "" = "-i"): string[] {
  const named = isRemote(input) ? input : `file:${resolve(input)}`;
  const network = isRemote(input) ? ["-reconnect", "1", "-reconnect_delay_max", "10", "-rw_timeout", String(IO_TIMEOUT_US)] : [];
  return [...network, ...(flag ? [flag] : []), named];
}

/** What is left of ffmpeg's log once the input's own name (with a URL's signature) is taken out. */
export function inputNames(input: string): string[] {
  return isRemote(input) ? [input, describeInput(input)] : [`file:${resolve(input)}`, resolve(input)];
}

/** The input's size and first bytes: a file's, or a URL's through one range request. */
export async function inspectInput(input: string): Promise<{ sizeBytes: number; head: Uint8Array }> {
  if (!isRemote(input)) {
    const path = resolve(input);
    const stats = await stat(path);
    if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
    const handle = await open(path, "r");
    try {
      const head = Buffer.alloc(Math.min(HEAD_BYTES, stats.size));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return { sizeBytes: stats.size, head: head.subarray(0, bytesRead) };
    } finally {
      await handle.close();
    }
  }
  let response: Response;
  try {
    response = await fetch(input, { headers: { range: `bytes=0-${HEAD_BYTES - 1}` }, signal: AbortSignal.timeout(IO_TIMEOUT_US / 1000) });
  } catch (error) {
    throw new Error(`Could not read the video from storage (${describeInput(input)}): ${error instanceof Error ? error.message : String(error)}`);
  }
  const head = await firstBytes(response, HEAD_BYTES);
  // An empty object answers 416 to any range; a server that ignores ranges answers 200 with all of it.
  if (response.status === 416) return { sizeBytes: 0, head: new Uint8Array() };
  const total = response.status === 200 ? Number(response.headers.get("content-length") ?? Number.NaN) : Number(/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1]);
  if ((response.status !== 206 && response.status !== 200) || !Number.isFinite(total)) {
    throw new Error(`Could not read the video from storage (${describeInput(input)}): HTTP ${response.status}`);
  }
  return { sizeBytes: total, head };
}

/** Up to `limit` bytes of a response's body; the rest is not downloaded. */
async function firstBytes(response: Response, limit: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

/** ffmpeg/ffprobe log lines that say the network failed rather than the video. */
const NETWORK_FAILURE = /Server returned|HTTP error|Connection (refused|reset|timed out)|timed out|Failed to resolve|Network is unreachable|Input\/output error|Broken pipe|Will reconnect|TLS|tls|certificate/;

/** For a remote input: the first log line that says the network failed, if any. */
export function networkFailure(input: string, lines: readonly string[]): string | undefined {
  if (!isRemote(input)) return undefined;
  const names = inputNames(input);
  const line = lines.find((text) => NETWORK_FAILURE.test(text));
  return line === undefined ? undefined : names.reduce((text, name) => text.split(name).join("<video>"), line).trim();
}
