import { loadedColumns, type Column, type TargetTable } from "../catalog/index.js";
import { DIM_VERSION_COLUMNS, isVersionedDim } from "./dim-versions.js";

/**
 * The columns of a table's processed Parquet, in order: what the transform writes and the
 * load stages. The table's loaded columns (no record id), then, for a dim, the source
 * versions the row was built from.
 */
export function processedColumns(table: TargetTable): Column[] {
  const columns: Column[] = loadedColumns(table);
  if (isVersionedDim(table))
    columns.push(...DIM_VERSION_COLUMNS.map((name): Column => ({ name, type: { kind: "timestamp" } })));
  return columns;
}
