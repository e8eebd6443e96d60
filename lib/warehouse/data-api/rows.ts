import type { ColumnMetadata, Field } from "@aws-sdk/client-redshift-data";
import { DataApiResultError } from "./errors.js";

/**
 * A value of a result row. Redshift's DECIMAL, DATE and TIMESTAMP arrive as strings and stay
 * strings (exact, and the caller knows the column's type); BIGINT/INTEGER as numbers; BOOLEAN as
 * booleans; VARBYTE as bytes.
 */
export type DataApiValue = string | number | boolean | null | Uint8Array;
export type DataApiRow = Record<string, DataApiValue>;

export interface DataApiColumn {
  readonly name: string;
  /** Redshift's type name, e.g. `int8`, `numeric`, `varchar`, `timestamp`. */
  readonly typeName: string;
}

export function columnsOf(metadata: readonly ColumnMetadata[]): DataApiColumn[] {
  return metadata.map((c, i) => ({ name: c.name ?? c.label ?? `column_${i}`, typeName: c.typeName ?? "" }));
}

/**
 * Turns one page of GetStatementResult records into rows keyed by column name. Refuses what it
 * would lose: a long beyond ±2^53 (the SDK has already parsed it into an imprecise number), a
 * field kind it does not know, two columns of one name.
 */
export function toRows(
  statementId: string,
  columns: readonly DataApiColumn[],
  records: readonly Field[][],
  firstRow: number,
): DataApiRow[] {
  const names = new Set(columns.map((c) => c.name));
  if (names.size !== columns.length)
    throw new DataApiResultError(statementId, "*", firstRow, "two columns share a name: alias them");
  return records.map((fields, r) =>
    Object.fromEntries(
      columns.map((column, c) => [column.name, valueOf(statementId, column.name, firstRow + r, fields[c])]),
    ),
  );
}

function valueOf(statementId: string, column: string, row: number, field: Field | undefined): DataApiValue {
  if (field === undefined) throw new DataApiResultError(statementId, column, row, "no field for this column");
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) {
    if (!Number.isSafeInteger(field.longValue))
      throw new DataApiResultError(statementId, column, row, "an integer beyond ±2^53: cast it to VARCHAR");
    return field.longValue;
  }
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  throw new DataApiResultError(
    statementId,
    column,
    row,
    `a field of unknown kind (${Object.keys(field).join(",")})`,
  );
}
