import { loadedColumns, type Column, type TargetTable } from "../catalog/index.js";
import { DIM_VERSION_COLUMNS, isVersionedDim } from "./dim-versions.js";
import { EXTRACTED_AT } from "./extraction-order.js";

/**
 * The columns of a table's processed Parquet, in order: what the transform writes and the
 * load stages. The table's loaded columns (no record id), then, for a dim, the source
 * versions the row was built from; for a fact, when its source row was extracted, which
 * orders two reads of one version (a correction).
 */
export function processedColumns(table: TargetTable): Column[] {
  const columns: Column[] = loadedColumns(table);
  const timestamp = (name: string): Column => ({ name, type: { kind: "timestamp" } });
  if (isVersionedDim(table)) columns.push(...DIM_VERSION_COLUMNS.map(timestamp));
  if (table.kind === "fact") columns.push(timestamp(EXTRACTED_AT));
  return columns;
}
