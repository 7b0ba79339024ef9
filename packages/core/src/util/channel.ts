/**
 * A bounded FIFO between two pipeline stages: `push` waits while the channel is full (so a fast
 * producer cannot run memory up), iteration waits while it is empty, and `close` ends the
 * consumer's loop once drained. `fail` wakes both sides with an error so one stage's failure
 * stops the whole pipeline.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private error: unknown;
  private readers: (() => void)[] = [];
  private writers: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed && this.error === undefined) {
      await new Promise<void>((resolve) => this.writers.push(resolve));
    }
    if (this.error !== undefined) throw this.error;
    if (this.closed) throw new Error("push to a closed channel");
    this.items.push(item);
    this.wake(this.readers);
  }

  /** True while the consumer waits for an item: a producer may hand over a partial batch. */
  get starving(): boolean {
    return this.readers.length > 0 && this.items.length === 0;
  }

  close(): void {
    this.closed = true;
    this.wake(this.readers);
    this.wake(this.writers);
  }

  fail(error: unknown): void {
    if (this.error === undefined) this.error = error;
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const item = this.items.shift();
      if (item !== undefined) {
        this.wake(this.writers);
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => this.readers.push(resolve));
    }
  }

  private wake(waiting: (() => void)[]): void {
    for (const resolve of waiting.splice(0)) resolve();
  }
}

/** Time spent working (not waiting) per stage, in milliseconds. */
export class StageClock {
  readonly busyMs: Record<string, number> = {};

  async time<R>(stage: string, work: () => Promise<R>): Promise<R> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.busyMs[stage] = (this.busyMs[stage] ?? 0) + performance.now() - start;
    }
  }
}
