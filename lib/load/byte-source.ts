/**
 * An object's bytes as a Parquet reader asks for them: its footer, then each row group's
 * column chunks. The shape is hyparquet's AsyncBuffer.
 */
export interface ByteSource {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

/**
 * A source that fetches `fetch(start, end)` a window of at least `windowBytes` at a time and
 * keeps only the last window: a reader going through an object in order holds one window of
 * it, never the whole object, in a few requests. Reads are taken one at a time (a reader may
 * ask for several ranges at once), so each is served from the window when it can be.
 */
export function windowedSource(
  byteLength: number,
  fetch: (start: number, end: number) => Promise<Uint8Array>,
  windowBytes: number,
  /** Bytes already fetched (an object's tail): the first window. */
  first?: { start: number; bytes: Uint8Array },
): ByteSource {
  let window: { start: number; bytes: Uint8Array } | undefined = first;
  let queue: Promise<unknown> = Promise.resolve();
  const read = async (start: number, end: number): Promise<ArrayBuffer> => {
    if (!window || start < window.start || end > window.start + window.bytes.byteLength) {
      const to = Math.min(byteLength, Math.max(end, start + windowBytes));
      // The old window is let go before the next one arrives: never two held at once.
      window = undefined;
      window = { start, bytes: await fetch(start, to) };
    }
    const from = window.bytes.byteOffset + (start - window.start);
    return window.bytes.buffer.slice(from, from + (end - start)) as ArrayBuffer;
  };
  return {
    byteLength,
    slice(start, end = byteLength) {
      if (start < 0 || end > byteLength || start > end)
        return Promise.reject(new RangeError(`bytes ${start}–${end} are outside an object of ${byteLength}`));
      const next = queue.then(() => read(start, end));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
