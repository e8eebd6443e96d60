import { loadedColumns, type Column, type TargetTable } from "../catalog/index.js";
import { DIM_VERSION_COLUMNS, isVersionedDim } from "./dim-versions.js";
import { READ_ORDER } from "./read-order.js";

/**
 * The columns of a table's processed Parquet, in order: what the transform writes and the
 * load stages. The table's loaded columns (no record id), then, for a dim, the read orders of
 * the source rows it was built from; for a fact, the read order of its source row, which
 * orders its versions and two reads of one version (a correction).
 */
export function processedColumns(table: TargetTable): Column[] {
  const columns: Column[] = loadedColumns(table);
  const order = (name: string): Column => ({ name, type: { kind: "bigint" } });
  if (isVersionedDim(table)) columns.push(...DIM_VERSION_COLUMNS.map(order));
  if (table.kind === "fact") columns.push(order(READ_ORDER));
  return columns;
}
