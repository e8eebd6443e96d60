import type { ColumnType } from "../../catalog/index.js";

/**
 * Redshift's column types for the catalog's (lower case, as `svv_columns` reports them, so the
 * schema check compares like with like). Differences from Postgres's `sqlType`, each because
 * Redshift refuses or changes the Postgres form (shared/REDSHIFT.md):
 *   - no fractional-second precision on TIMESTAMP/TIME (Redshift refuses `timestamp(3)`; it keeps
 *     microseconds, and the values loaded carry milliseconds);
 *   - text always has an explicit byte length: the catalog's where it has one, else
 *     DEFAULT_VARCHAR_BYTES (Redshift stores a bare `text` as VARCHAR(256), and its lengths
 *     count bytes, not characters);
 *   - enums, which Redshift lacks, are VARCHAR as long as their longest label in UTF-8.
 */
export const DEFAULT_VARCHAR_BYTES = 1024;

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

export function redshiftType(type: ColumnType): string {
  switch (type.kind) {
    case "int":
      return "integer";
    case "bigint":
      return "bigint";
    case "decimal":
      return `numeric(${type.precision},${type.scale})`;
    case "text":
      return `varchar(${type.maxLength ?? DEFAULT_VARCHAR_BYTES})`;
    case "timestamp":
      return "timestamp";
    case "date":
      return "date";
    case "time":
      return "time";
    case "boolean":
      return "boolean";
    case "textDate":
      return "varchar(10)";
    case "enum":
      return `varchar(${Math.max(1, ...type.values.map(utf8Bytes))})`;
  }
}

/**
 * The type a column has in the Parquet the transform writes, where Redshift's COPY cannot take
 * it as the warehouse type: DuckDB writes TIME as INT64 microseconds of the day (TIME_MICROS),
 * which Redshift's Parquet COPY has no TIME mapping for (dlt refuses it too), so it is staged as
 * the BIGINT it is stored as and converted in SQL (stage.ts). Undefined: staged as it is.
 */
export function redshiftRawType(type: ColumnType): string | undefined {
  return type.kind === "time" ? "bigint" : undefined;
}
