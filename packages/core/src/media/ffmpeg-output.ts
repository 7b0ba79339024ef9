/**
 * Reading ffmpeg's two outputs while `sampleFrames` runs: frames on stdout, and on stderr the
 * per-frame records (time, scene score) that sample-args.ts has the metadata filter print.
 */
import type { Readable } from "node:stream";

export interface FrameRecord {
  timeSec: number;
  sceneScore: number | undefined;
}

const METADATA_LINE = /^\[Parsed_metadata_\d+ @ [^\]]*\]\s*(?:\[info\]\s*)?(.*)$/;
const FRAME_LINE = /^frame:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:\s*(\S+)/;
const LEVEL = /^(?:\[[^\]]*@\s*0x[0-9a-f]+\]\s*)?\[(panic|fatal|error|warning)\]/i;

/** Parses ffmpeg's stderr: per-frame records from the metadata filter, plus recent problems. */
export class StderrParser {
  readonly records: FrameRecord[] = [];
  readonly problems: string[] = [];
  errors = 0;
  recordCount = 0;
  /** Tail of lines without a level prefix (a loader or shell error, before ffmpeg's own log). */
  unparsed = "";
  private partial = "";
  private current: FrameRecord | undefined;
  private lastTime = 0;

  push(text: string): void {
    const lines = (this.partial + text).split(/\r\n|\n|\r/);
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = "";
  }

  private line(line: string): void {
    const meta = METADATA_LINE.exec(line);
    if (meta) {
      const body = meta[1] ?? "";
      const frame = FRAME_LINE.exec(body);
      if (frame) {
        const us = Number(frame[2]);
        const seconds = Number.isFinite(us) ? us / 1e6 : Number(frame[3]);
        // A frame without a timestamp (NOPTS) gets the previous one's: times stay monotonic.
        this.lastTime = Number.isFinite(seconds) ? seconds : this.lastTime;
        this.current = { timeSec: this.lastTime, sceneScore: undefined };
      } else if (this.current && body.startsWith("lavfi.scene_score=")) {
        const score = Number(body.slice("lavfi.scene_score=".length));
        this.current.sceneScore = Number.isFinite(score) ? score : undefined;
      } else if (this.current && body.startsWith("vos_sel=")) {
        this.records.push(this.current);
        this.recordCount++;
        this.current = undefined;
      }
      return;
    }
    const level = LEVEL.exec(line);
    if (!level) {
      if (!line.startsWith("[")) this.unparsed = (this.unparsed + "\n" + line).slice(-1000);
      return;
    }
    if (level[1]!.toLowerCase() !== "warning") this.errors++;
    this.problems.push(line);
    if (this.problems.length > 40) this.problems.shift();
  }
}

/** Reads a byte stream as exact `size`-byte frames; pulls only as fast as the consumer. */
export async function* readFrames(stream: Readable, size: number): AsyncGenerator<Buffer, number> {
  let frame: Buffer | undefined;
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      frame ??= Buffer.allocUnsafe(size);
      const n = Math.min(size - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === size) {
        const full = frame;
        frame = undefined;
        filled = 0;
        yield full;
      }
    }
  }
  return filled; // bytes of an incomplete last frame (0 when the stream ended cleanly)
}
