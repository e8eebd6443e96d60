import { targetTable } from "../catalog/index.js";
import { LoadError, UnrecognisedKeyError } from "../errors.js";
import { parseProcessedKey } from "../pipeline/keys.js";
import type { ObjectStore } from "../store/object-store.js";
import type { LoadResult, Warehouse } from "../warehouse/warehouse.js";

export type { LoadResult } from "../warehouse/warehouse.js";

export interface LoadOptions {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly warehouse: Warehouse;
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
  return options.warehouse.loadObject({
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
  });
}
