import { Readable } from "node:stream";
import type { ObjectStore } from "../store/object-store.js";

/**
 * Streams a `COPY … TO STDOUT WITH (FORMAT csv, HEADER true)` into one object, but only if it
 * holds a row: the header is held back until the first data byte arrives, so an unchanged
 * table costs one scan and writes nothing. Returns whether an object was written.
 */
export async function putCsvIfRows(
  store: ObjectStore,
  bucket: string,
  key: string,
  copy: AsyncIterable<Buffer>,
): Promise<boolean> {
  const chunks = copy[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  for (;;) {
    const next = await chunks.next();
    if (next.done) return false;
    head = Buffer.concat([head, next.value]);
    const endOfHeader = head.indexOf(0x0a);
    if (endOfHeader >= 0 && head.length > endOfHeader + 1) break;
  }
  const body = Readable.from(
    (async function* () {
      yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    })(),
  );
  await store.putStream(bucket, key, body, "text/csv");
  return true;
}
