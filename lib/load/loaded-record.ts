import { STATE_PREFIX, TABLES_PREFIX } from "../pipeline/key-layout.js";
import type { ObjectStore } from "../store/object-store.js";

/**
 * The pipeline's own record of what it loaded, beside the objects in the processed bucket
 * (`_state/loaded/tables/…`, one small JSON object per processed object, written after its
 * load committed). The warehouse's ledger says the same thing, but a warehouse restored from a
 * backup forgets: what is recorded here and missing there is what the restore lost
 * (lib/load/catch-up.ts).
 */
const LOADED_PREFIX = `${STATE_PREFIX}loaded/`;

export const loadedRecordKey = (processedKey: string): string => `${LOADED_PREFIX}${processedKey}`;

export async function recordLoaded(
  store: ObjectStore,
  bucket: string,
  processedKey: string,
  result: { readonly rowsIn: number; readonly rowsWritten: number },
): Promise<void> {
  const record = { rowsIn: result.rowsIn, rowsWritten: result.rowsWritten, at: new Date().toISOString() };
  await store.putBytes(bucket, loadedRecordKey(processedKey), JSON.stringify(record), {
    contentType: "application/json",
  });
}

/** Every processed object the pipeline recorded as loaded, by its key. */
export async function* listLoaded(store: ObjectStore, bucket: string): AsyncGenerator<string> {
  for await (const record of store.list(bucket, `${LOADED_PREFIX}${TABLES_PREFIX}`))
    yield record.key.slice(LOADED_PREFIX.length);
}
