import { targetTable } from "../catalog/index.js";
import { LoadError, UnrecognisedKeyError } from "../errors.js";
import { parseProcessedKey } from "../pipeline/keys.js";
import type { ObjectStore } from "../store/object-store.js";
import type { PipelineIdentity } from "../warehouse/ownership.js";
import type { LoadResult, Warehouse } from "../warehouse/warehouse.js";
import { recordLoaded } from "./loaded-record.js";

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
export async function loadObject(options: LoadOptions, key: string): Promise<LoadResult> {
  const parsed = parseProcessedKey(key);
  if (!parsed) throw new UnrecognisedKeyError(key, "processed");
  const table = targetTable(parsed.target);
  const { store, bucket } = options;
  const head = await store.head(bucket, key);
  if (!head) throw new LoadError(table.name, key, "object not found");
  // Fetched once: a load may read the object more than once (a dim's versions, a fallback).
  let body: Promise<Uint8Array> | undefined;
  const result = await options.warehouse.loadObject(
    {
      table,
      bucket,
      key,
      ...(head.etag ? { etag: head.etag } : {}),
      read() {
        body ??= store.getBytes(bucket, key).then((object) => {
          if (!object) throw new LoadError(table.name, key, "object not found");
          return object.body;
        });
        return body;
      },
    },
    options.pipeline ? { pipeline: options.pipeline } : {},
  );
  // After the commit: a record here always means the warehouse had it (catch-up.ts).
  await recordLoaded(store, bucket, key, result);
  return result;
}
