/** Small helpers the contract suites share. */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";

/** A fresh name per test, so tests on one adapter never see each other's data. */
export const unique = (label: string) => `${label}-${randomBytes(4).toString("hex")}`;

export async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A body that sends `first` and then fails, as a cut connection does: with `error`, the stream
 * errors; without, it is destroyed with no error at all (a premature close).
 */
export function brokenBody(first: Buffer, error?: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
        return;
      }
      setImmediate(() => this.destroy(error));
    },
  });
}
