import type { ColumnType } from "../catalog/index.js";

/** The DuckDB type a catalog column is held in during the transform (and written to Parquet as). */
export function duckType(type: ColumnType): string {
  switch (type.kind) {
    case "int":
      return "INTEGER";
    case "bigint":
      return "BIGINT";
    case "decimal":
      return `DECIMAL(${type.precision},${type.scale})`;
    case "timestamp":
      return "TIMESTAMP";
    case "date":
    case "textDate":
      return "DATE";
    case "time":
      return "TIME";
    case "boolean":
      return "BOOLEAN";
    case "text":
    case "enum":
      return "VARCHAR";
  }
}
