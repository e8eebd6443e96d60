import type { ObjectStore } from "../store/object-store.js";
import { WarehouseOwnedError, type PipelineIdentity } from "../warehouse/ownership.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { loadObject, type LoadResult } from "./load.js";
import { listLoaded } from "./loaded-record.js";

export interface CatchUpOptions {
  readonly store: ObjectStore;
  /** The processed bucket. */
  readonly bucket: string;
  readonly warehouse: Warehouse;
  readonly pipeline: PipelineIdentity;
  /** Hears of each object loaded again. */
  readonly onObject?: (result: LoadResult) => void;
}

export interface CatchUpReport {
  /** Objects the pipeline recorded as loaded. */
  readonly recorded: number;
  /** Of those, the ones the warehouse's ledger lacked: what a restore from a backup lost. */
  readonly missing: readonly string[];
  readonly rowsWritten: number;
  /** Objects that could not be loaded again, each with its error. */
  readonly failed: readonly { readonly objectKey: string; readonly error: string }[];
}

/** The ledger is asked about this many keys at a time. */
const BATCH = 500;

/**
 * Loads again every object this pipeline recorded as loaded (loaded-record.ts) that the
 * warehouse's ledger lacks: a warehouse restored from a backup taken before some loads is
 * caught up from the processed bucket, through the same idempotent, order-insensitive load
 * (so the order they are loaded in does not matter). Objects that fail are reported, not
 * thrown: one bad object must not hold the others back.
 */
export async function catchUpWarehouse(options: CatchUpOptions): Promise<CatchUpReport> {
  const { store, bucket, warehouse, pipeline } = options;
  const recorded: string[] = [];
  for await (const key of listLoaded(store, bucket)) recorded.push(key);
  const missing: string[] = [];
  for (let start = 0; start < recorded.length; start += BATCH) {
    const keys = recorded.slice(start, start + BATCH);
    const held = await warehouse.loadedObjects(keys);
    missing.push(...keys.filter((k) => !held.has(k)));
  }
  let rowsWritten = 0;
  const failed: { objectKey: string; error: string }[] = [];
  for (const key of missing) {
    try {
      const result = await loadObject({ store, bucket, warehouse, pipeline }, key);
      rowsWritten += result.rowsWritten;
      options.onObject?.(result);
    } catch (error) {
      // A warehouse another pipeline owns refuses every object alike: say it once.
      if (error instanceof WarehouseOwnedError) throw error;
      failed.push({ objectKey: key, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { recorded: recorded.length, missing, rowsWritten, failed };
}
