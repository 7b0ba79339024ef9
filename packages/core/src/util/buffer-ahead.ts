/**
 * Runs an async generator up to `size` items ahead of its consumer, so the producer (ffmpeg
 * decoding) keeps working while the consumer (inference) is busy, and memory stays bounded by
 * `size` items. A producer error surfaces at the consumer's read of that item; stopping early
 * closes the producer.
 */
export async function* bufferAhead<T>(source: AsyncGenerator<T> | AsyncIterable<T>, size: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  try {
    for (;;) {
      // Async generators queue next() calls and serve them in order, so asking `size` times runs
      // the producer that far ahead; asks past the end just answer `done`.
      while (!finished && pending.length < size) {
        const next = iterator.next();
        next.then(
          (result) => void (result.done && (finished = true)),
          () => void (finished = true),
        );
        pending.push(next);
      }
      const head = pending.shift();
      if (!head) return;
      const result = await head;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await iterator.return?.(undefined);
  }
}
