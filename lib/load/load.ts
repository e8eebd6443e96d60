import { targetTable } from "../catalog/index.js";
import { LoadError, UnrecognisedKeyError } from "../errors.js";
import { parseProcessedKey } from "../pipeline/keys.js";
import type { ObjectStore } from "../store/object-store.js";
import type { PipelineIdentity } from "../warehouse/ownership.js";
import type { LoadResult, Warehouse } from "../warehouse/warehouse.js";
import { windowedSource } from "./byte-source.js";
import { FOOTER_READ_BYTES } from "./parquet-rows.js";
import { recordLoaded } from "./loaded-record.js";

/**
 * How much of an object a load fetches at a time, the next window on its way while one is read
 * (byte-source.ts): two of these held, whatever the object's size. 2 MB windows (before the next
 * was fetched ahead) left 5–7 MB more array buffers at the peak of a 250,000-row (~10 MB) part.
 */
const READ_WINDOW_BYTES = 512 * 1024;

export type { LoadResult } from "../warehouse/warehouse.js";

export interface LoadOptions {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly warehouse: Warehouse;
  /**
   * The pipeline loading (ownership.ts): the warehouse refuses a pipeline other than its
   * owner. Every entry point of a running pipeline names it; without it nothing is checked.
   */
  readonly pipeline?: PipelineIdentity;
}

/**
 * Loads one processed Parquet object (`tables/{table}/…`) into its warehouse table: the
 * warehouse port does it in one transaction, idempotently (see `Warehouse.loadObject`).
 */
export async function loadObject(
  options: LoadOptions,
  key: string,
  /** What the event announcing the object said of it: its size saves a store a request. */
  announced: { size?: number } = {},
): Promise<LoadResult> {
  const parsed = parseProcessedKey(key);
  if (!parsed) throw new UnrecognisedKeyError(key, "processed");
  const table = targetTable(parsed.target);
  const { store, bucket } = options;
  // Its size, version and footer in one request (a small object is all footer).
  const head = await store.getTail(bucket, key, FOOTER_READ_BYTES, announced.size);
  if (!head) throw new LoadError(table.name, key, "object not found");
  const tail = { start: head.size - head.tail.byteLength, bytes: head.tail };
  const result = await options.warehouse.loadObject(
    {
      table,
      bucket,
      key,
      ...(head.etag ? { etag: head.etag } : {}),
      // By range, this version only: memory holds a window of the object, whatever its size.
      open: () =>
        windowedSource(
          head.size,
          (start, end) => store.getRange(bucket, key, start, end, head.etag),
          READ_WINDOW_BYTES,
          tail,
        ),
    },
    options.pipeline ? { pipeline: options.pipeline } : {},
  );
  // After the commit: a record here always means the warehouse had it (catch-up.ts).
  await recordLoaded(store, bucket, key, result);
  return result;
}
