/**
 * An HTTP proxy in front of the S3 emulator (fauxqs), for upload tests: it forwards every
 * request unchanged, records each part PUT (upload id, part number, status, body bytes), and
 * does what fauxqs does not: refuses presigned URLs past their expiry with S3's own 403
 * (`AccessDenied`, "Request has expired"), and can answer part PUTs with 503 `SlowDown`.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface PartPut {
  uploadId: string;
  partNumber: number;
  status: number;
  /** Body bytes that reached the gate (all of them for a stored part). */
  bytes: number;
}

export interface S3Gate {
  /** Point AWS_ENDPOINT_URL here: presigned URLs then name the gate. */
  url: string;
  /** Every part PUT so far, in the order they finished. */
  readonly parts: PartPut[];
  /** Presigned part PUTs refused as expired so far (other presigned requests are refused too, not counted). */
  readonly expiredRefusals: number;
  /** Bytes of the part PUTs S3 stored (2xx), optionally since index `from` of `parts`. */
  storedBytes(from?: number): number;
  /** URLs signed before this moment (ms) count as expired, as if their time had run out. */
  expireSignedBefore(ms: number): void;
  /** The next `n` part PUTs answer 503 SlowDown without reaching S3. */
  failNextParts(n: number): void;
  /** Holds each part PUT this long before passing it on (a slower line, to stop a client mid-upload). */
  partDelayMs: number;
  /** Resolves once no part PUT is in flight (a killed client's last parts may still land). */
  settled(): Promise<void>;
  /** Called after each part S3 stored, with how many it stored so far. */
  onPartStored?: (storedParts: number) => void;
  close(): Promise<void>;
}

/** `20260101T120000Z` (X-Amz-Date) as ms since the epoch. */
function amzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const s3Error = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
};

export async function startS3Gate(upstream: string): Promise<S3Gate> {
  const target = new URL(upstream);
  const parts: PartPut[] = [];
  let expiredRefusals = 0;
  let expireBefore = 0;
  let failing = 0;
  let stored = 0;
  let inFlight = 0;
  let idle: (() => void)[] = [];

  const gate: S3Gate = {
    url: "",
    parts,
    get expiredRefusals() {
      return expiredRefusals;
    },
    storedBytes: (from = 0) => parts.slice(from).filter((p) => p.status < 300).reduce((sum, p) => sum + p.bytes, 0),
    expireSignedBefore: (ms) => (expireBefore = ms),
    failNextParts: (n) => (failing = n),
    partDelayMs: 0,
    settled: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://gate");
    const uploadId = url.searchParams.get("uploadId");
    const partNumber = Number(url.searchParams.get("partNumber"));
    const isPart = req.method === "PUT" && uploadId !== null && partNumber > 0;
    const signedAt = amzDate(url.searchParams.get("X-Amz-Date") ?? "");
    if (!Number.isNaN(signedAt)) {
      const expiresAt = signedAt + Number(url.searchParams.get("X-Amz-Expires") ?? 0) * 1000;
      if (signedAt < expireBefore || Date.now() > expiresAt) {
        // Counted for the upload's parts only: workers' presigned reads of earlier videos pass here too.
        if (isPart) expiredRefusals++;
        req.resume();
        if (isPart) parts.push({ uploadId, partNumber, status: 403, bytes: 0 });
        return s3Error(res, 403, "AccessDenied", "Request has expired");
      }
    }
    if (isPart && failing > 0) {
      failing--;
      req.resume();
      parts.push({ uploadId, partNumber, status: 503, bytes: 0 });
      return s3Error(res, 503, "SlowDown", "Please reduce your request rate.");
    }
    let bytes = 0;
    if (isPart) {
      inFlight++;
      res.once("close", () => {
        if (--inFlight > 0) return;
        const waiting = idle;
        idle = [];
        for (const resolve of waiting) resolve();
      });
    }
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    const forwarded = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", () => {
          if (!isPart) return;
          const status = answer.statusCode ?? 502;
          parts.push({ uploadId, partNumber, status, bytes });
          if (status < 300) gate.onPartStored?.(++stored);
        });
      },
    );
    forwarded.on("error", () => res.destroy());
    // A client killed mid-part: drop the upstream request too, as S3 drops a cut upload.
    req.on("aborted", () => forwarded.destroy());
    if (isPart && gate.partDelayMs > 0) {
      req.pause();
      setTimeout(() => req.pipe(forwarded), gate.partDelayMs);
    } else req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}
