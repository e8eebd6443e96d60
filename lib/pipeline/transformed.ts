import { STATE_PREFIX } from "./keys.js";
import { isRecord, parseStateFile } from "./state-file.js";
import type { ObjectStore } from "../store/object-store.js";

/**
 * What the transform of one ingestion object produced, recorded (in the processed bucket)
 * once its outputs are stored: `totes runs` tells "not transformed yet" from "transformed into
 * nothing" (a department no staff row points at yields no dim_staff row) and knows which
 * processed objects the load ledger must hold for the input to be loaded. A later transform of
 * the same input (a replay) writes it again.
 */
export interface TransformedRecord {
  readonly objectKey: string;
  readonly at: string;
  readonly rowsIn: number;
  readonly rowsQuarantined: number;
  /** The processed objects that hold the input's rows (targets with no row have none). */
  readonly outputs: readonly { readonly target: string; readonly objectKey: string; readonly rows: number }[];
}

export const transformedKey = (ingestionKey: string) =>
  `${STATE_PREFIX}transformed/${encodeURIComponent(ingestionKey)}.json`;

const isTransformed = (v: unknown): v is TransformedRecord =>
  isRecord(v) &&
  typeof v.objectKey === "string" &&
  typeof v.at === "string" &&
  typeof v.rowsIn === "number" &&
  typeof v.rowsQuarantined === "number" &&
  Array.isArray(v.outputs) &&
  v.outputs.every((o) => isRecord(o) && typeof o.objectKey === "string" && typeof o.rows === "number");

export async function recordTransformed(
  store: ObjectStore,
  bucket: string,
  record: TransformedRecord,
): Promise<void> {
  await store.putBytes(bucket, transformedKey(record.objectKey), JSON.stringify(record, null, 2), {
    contentType: "application/json",
  });
}

/** The record of an input's transform; undefined while it has not been transformed. */
export async function readTransformed(
  store: ObjectStore,
  bucket: string,
  ingestionKey: string,
): Promise<TransformedRecord | undefined> {
  const key = transformedKey(ingestionKey);
  const found = await store.getBytes(bucket, key);
  return found ? parseStateFile(key, found.body, "a transform record", isTransformed) : undefined;
}
