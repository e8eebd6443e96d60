import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import type { ObjectStore } from "../store/object-store.js";

/**
 * The most one CSV object holds: a table's window above either bound is written as several
 * parts, which the transform and load take in parallel. 250,000 rows is ~1.3 s of transform
 * (~200,000 rows/s at scale 1, docs/benchmarks.md) and ~4.6 s of load (~55,000 rows/s), far
 * inside a minute on the deployed memory; 64 MiB bounds a part of wide rows, and the memory the
 * extract holds a first part in (below).
 */
export interface PartBound {
  readonly rows: number;
  readonly bytes: number;
}

export const DEFAULT_PART_BOUND: PartBound = { rows: 250_000, bytes: 64 * 1024 * 1024 };

export interface StoredPart {
  readonly key: string;
  /** Data rows (records), the header not counted. */
  readonly rows: number;
  /** Bytes of the object, its header included. */
  readonly bytes: number;
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Finds where the records of a `COPY … (FORMAT csv)` stream end. A field holding a newline is
 * quoted, and a quote inside one is doubled, so a newline ends a record exactly when an even
 * number of quotes precede it in that record. The state (inside quotes or not) carries from one
 * chunk to the next.
 */
export class RecordEnds {
  private quoted = false;

  /** Offsets just past every record-ending newline in `chunk`, in order. */
  scan(chunk: Buffer): number[] {
    const ends: number[] = [];
    let i = 0;
    // The next quote and newline at or after i (-1: none left in the chunk), found once each.
    let quote = -2;
    let newline = -2;
    while (i < chunk.length) {
      if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
      if (this.quoted) {
        if (quote < 0) break;
        this.quoted = false;
        i = quote + 1;
        continue;
      }
      if (newline !== -1 && newline < i) newline = chunk.indexOf(NEWLINE, i);
      if (quote >= 0 && (newline < 0 || quote < newline)) {
        this.quoted = true;
        i = quote + 1;
        continue;
      }
      if (newline < 0) break;
      ends.push(newline + 1);
      i = newline + 1;
    }
    return ends;
  }
}

interface OpenPart {
  readonly key: string;
  readonly stream: PassThrough;
  readonly upload: Promise<void>;
}

/**
 * Streams a `COPY … TO STDOUT WITH (FORMAT csv, HEADER true)` into objects of at most `bound`
 * rows or bytes each, cut only where a record ends, each starting with the header. Nothing is
 * written for a window with no rows (one scan, no object). A window that fits in one part is one
 * object named `keyOf(undefined)`; a larger one is parts `keyOf(1)`, `keyOf(2)`…: the first part
 * is held in memory until its bound is reached, to know which. Returns the objects stored, in
 * order; each is complete when this resolves.
 */
export async function putCsvParts(
  store: ObjectStore,
  bucket: string,
  keyOf: (part?: number) => string,
  copy: AsyncIterable<Buffer>,
  bound: PartBound = DEFAULT_PART_BOUND,
): Promise<StoredPart[]> {
  const chunks = copy[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let endOfHeader: number;
  for (;;) {
    const next = await chunks.next();
    if (next.done) return [];
    head = Buffer.concat([head, next.value]);
    endOfHeader = head.indexOf(NEWLINE);
    if (endOfHeader >= 0 && head.length > endOfHeader + 1) break;
  }
  const header = head.subarray(0, endOfHeader + 1);
  const stored: StoredPart[] = [];
  const records = new RecordEnds();
  let held: Buffer[] | undefined = [header];
  let open: OpenPart | undefined;
  let rows = 0;
  let bytes = header.length;
  /** The part reached its bound at a record's end: the next byte starts a new part. */
  let full = false;
  /** Bytes of the current part after its last record's end (a record still coming). */
  let unterminated = 0;

  const startPart = (part: number): OpenPart => {
    const key = keyOf(part);
    const stream = new PassThrough();
    const upload = store.putStream(bucket, key, stream, "text/csv");
    // A failed upload stops reading: surface it rather than wait for a drain that never comes.
    upload.catch(() => undefined);
    stream.write(header);
    return { key, stream, upload };
  };

  const closePart = async (part: number | undefined): Promise<void> => {
    if (held) {
      const key = keyOf(part);
      await store.putStream(bucket, key, Readable.from(held), "text/csv");
      stored.push({ key, rows, bytes });
      held = undefined;
    } else if (open) {
      open.stream.end();
      await open.upload;
      stored.push({ key: open.key, rows, bytes });
      open = undefined;
    }
  };

  const write = async (data: Buffer, completed: number): Promise<void> => {
    if (data.length === 0) return;
    if (full) {
      // More follows a full part: the window is in parts, and the first one is part 1.
      await closePart(stored.length + 1);
      open = startPart(stored.length + 1);
      rows = 0;
      bytes = header.length;
      full = false;
    }
    bytes += data.length;
    rows += completed;
    if (held) held.push(data);
    else if (open && !open.stream.write(data)) await Promise.race([once(open.stream, "drain"), open.upload]);
  };

  const take = async (chunk: Buffer): Promise<void> => {
    const ends = records.scan(chunk);
    let start = 0;
    let completed = 0;
    for (const end of ends) {
      completed += 1;
      // After a cut the rows that follow are the next part's, which has only its header yet.
      const partRows = full ? 0 : rows;
      const partBytes = full ? header.length : bytes;
      if (partRows + completed >= bound.rows || partBytes + (end - start) >= bound.bytes) {
        await write(chunk.subarray(start, end), completed);
        start = end;
        completed = 0;
        full = true;
      }
    }
    await write(chunk.subarray(start), completed);
    const last = ends.at(-1);
    unterminated = last === undefined ? unterminated + chunk.length : chunk.length - last;
  };

  try {
    await take(head.subarray(endOfHeader + 1));
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) await take(next.value);
    if (unterminated > 0) rows += 1; // a last record without its newline (COPY always ends one)
    await closePart(held ? undefined : stored.length + 1);
    return stored;
  } catch (error) {
    open?.stream.destroy(error as Error);
    await open?.upload.catch(() => undefined);
    throw error;
  }
}

/** The part bound a deployment sets (`TOTES_PART_ROWS`, `TOTES_PART_BYTES`), over the default. */
export function partBoundFrom(env: Readonly<Record<string, string | undefined>>): PartBound {
  const read = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} is a whole number above 0 (a part's most rows or bytes), not "${text}"`);
    return value;
  };
  return {
    rows: read("TOTES_PART_ROWS", DEFAULT_PART_BOUND.rows),
    bytes: read("TOTES_PART_BYTES", DEFAULT_PART_BOUND.bytes),
  };
}
