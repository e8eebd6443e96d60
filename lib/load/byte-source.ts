/**
 * An object's bytes as a Parquet reader asks for them: its footer, then each row group's
 * column chunks. The shape is hyparquet's AsyncBuffer.
 */
export interface ByteSource {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
  /** The same bytes as `slice`, not copied: a view that keeps what it was cut from alive. */
  view(start: number, end: number): Promise<Uint8Array>;
}

/**
 * A source that fetches `fetch(start, end)` a window of at least `windowBytes` at a time and
 * keeps only the last window, with the next one on its way: a reader going through an object
 * in order holds at most two windows of it (and the tail it started from), never the whole
 * object, and waits on a request only when it reads faster than they come. Views stay valid
 * after their window is let go, and keep it alive while they are: bytes a reader keeps as they
 * are (an uncompressed page's values) hold their window. Reads are taken one at a time (a reader
 * may ask for several ranges at once), so each is served from a window when it can be.
 */
export function windowedSource(
  byteLength: number,
  fetch: (start: number, end: number) => Promise<Uint8Array>,
  windowBytes: number,
  /** Bytes already fetched (an object's tail): the first window. */
  first?: { start: number; bytes: Uint8Array },
): ByteSource {
  interface Window {
    readonly start: number;
    readonly end: number;
    readonly bytes: Promise<Uint8Array>;
  }
  const windowFrom = (start: number, end: number): Window => {
    const bytes = fetch(start, end);
    // A window fetched ahead and never read must not fail the load on its own.
    bytes.catch(() => undefined);
    return { start, end, bytes };
  };
  // The tail (the footer) is kept: the reader comes back to it, and nothing is fetched ahead into it.
  const tail: Window | undefined = first && {
    start: first.start,
    end: first.start + first.bytes.byteLength,
    bytes: Promise.resolve(first.bytes),
  };
  const aheadEnd = tail?.start ?? byteLength;
  let window: Window | undefined;
  let ahead: Window | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const following = (after: Window): Window | undefined =>
    after.end < aheadEnd ? windowFrom(after.end, Math.min(aheadEnd, after.end + windowBytes)) : undefined;
  const part = async (w: Window, start: number, end: number) =>
    (await w.bytes).subarray(start - w.start, end - w.start);
  const covers = (w: Window, start: number, end: number): boolean => start >= w.start && end <= w.end;
  const windowOver = async (start: number, end: number): Promise<Uint8Array> => {
    const held = window;
    const next = ahead;
    if (tail && covers(tail, start, end)) return part(tail, start, end);
    if (held && covers(held, start, end)) return part(held, start, end);
    if (
      held &&
      next &&
      held.end === next.start &&
      start >= held.start &&
      start < held.end &&
      end <= next.end
    ) {
      // Across the two windows held: the read's two parts joined, and the one after asked for.
      const joined = new Uint8Array(end - start);
      joined.set(await part(held, start, held.end), 0);
      joined.set(await part(next, next.start, end), held.end - start);
      window = next;
      ahead = following(next);
      return joined;
    }
    // Never more than two windows held: the one read from and the next.
    const taken =
      next && covers(next, start, end)
        ? next
        : windowFrom(start, Math.min(byteLength, Math.max(end, start + windowBytes)));
    window = taken;
    ahead = following(taken);
    return part(taken, start, end);
  };
  const queued = <T>(start: number, end: number, take: (bytes: Uint8Array) => T): Promise<T> => {
    if (start < 0 || end > byteLength || start > end)
      return Promise.reject(new RangeError(`bytes ${start}–${end} are outside an object of ${byteLength}`));
    const next = queue.then(async () => take(await windowOver(start, end)));
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    byteLength,
    slice: (start, end = byteLength) =>
      queued(start, end, (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
    view: (start, end) => queued(start, end, (b) => b),
  };
}
