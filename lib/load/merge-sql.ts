import { loadedColumns } from "../catalog/index.js";
import type { TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import type { WarehouseSchemas } from "../warehouse/schema.js";

/**
 * The SQL that moves a staged object into its warehouse table, generated from the
 * catalog for every table (no per-table hand-written SQL). Plain MERGE / INSERT …
 * SELECT / DELETE … USING: statements Postgres and Redshift both take.
 */
export const STAGE = "_totes_stage";
const NEWEST = "_totes_newest";
export const VERSION_COLUMNS = ["_version_hi", "_version_lo"] as const;

const list = (names: readonly string[], prefix = "") =>
  names.map((n) => `${prefix}${quoteIdent(n)}`).join(", ");

/** Facts: each (natural id, version) once; ids from the warehouse; a reload inserts nothing. */
export function factInsert(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = loadedColumns(table).map((c) => c.name);
  const identity = [table.naturalKey, ...(table.versionKey ?? [])];
  const target = qualified(schemas.stars, table.name);
  return `INSERT INTO ${target} (${list(columns)})
    SELECT ${list(columns)} FROM (
      SELECT s.*, row_number() OVER (PARTITION BY ${list(identity, "s.")} ORDER BY ${list(identity, "s.")}) AS _n
        FROM ${STAGE} s) x
     WHERE _n = 1 AND NOT EXISTS (
       SELECT 1 FROM ${target} f WHERE ${identity.map((c) => `f.${quoteIdent(c)} = x.${quoteIdent(c)}`).join(" AND ")})
     ORDER BY ${list([...(table.versionKey ?? []), table.naturalKey])}`;
}

/** Dims: the newest staged version per id, minus those the warehouse already has a newer (or the same) version of. */
export function dimNewest(table: TargetTable, schemas: WarehouseSchemas): string[] {
  const key = quoteIdent(table.naturalKey);
  return [
    `CREATE TEMP TABLE ${NEWEST} ON COMMIT DROP AS
       SELECT * FROM (SELECT s.*, row_number() OVER (PARTITION BY s.${key} ORDER BY s._version_hi DESC, s._version_lo DESC) AS _n
                        FROM ${STAGE} s) x WHERE _n = 1`,
    `DELETE FROM ${NEWEST} USING ${qualified(schemas.meta, "dim_version")} v
      WHERE v.table_name = $1 AND v.natural_id = ${NEWEST}.${key}
        AND (v.version_hi > ${NEWEST}._version_hi
             OR (v.version_hi = ${NEWEST}._version_hi AND v.version_lo >= ${NEWEST}._version_lo))`,
  ];
}

/** Type 1 upsert on the natural id of the rows dimNewest kept. */
export function dimMerge(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = loadedColumns(table).map((c) => c.name);
  const key = quoteIdent(table.naturalKey);
  const updates = columns
    .filter((c) => c !== table.naturalKey)
    .map((c) => `${quoteIdent(c)} = n.${quoteIdent(c)}`);
  return `MERGE INTO ${qualified(schemas.stars, table.name)} d USING ${NEWEST} n ON d.${key} = n.${key}
    WHEN MATCHED THEN UPDATE SET ${updates.join(", ")}
    WHEN NOT MATCHED THEN INSERT (${list(columns)}) VALUES (${list(columns, "n.")})`;
}

export function dimVersionMerge(table: TargetTable, schemas: WarehouseSchemas): string {
  const key = quoteIdent(table.naturalKey);
  return `MERGE INTO ${qualified(schemas.meta, "dim_version")} v USING ${NEWEST} n
      ON v.table_name = $1 AND v.natural_id = n.${key}
    WHEN MATCHED THEN UPDATE SET version_hi = n._version_hi, version_lo = n._version_lo
    WHEN NOT MATCHED THEN INSERT (table_name, natural_id, version_hi, version_lo)
      VALUES ($1, n.${key}, n._version_hi, n._version_lo)`;
}

/** Immutable rows (calendar days): insert the missing ones, never update. */
export function insertMissing(table: TargetTable, schemas: WarehouseSchemas): string {
  const columns = loadedColumns(table).map((c) => c.name);
  const key = quoteIdent(table.naturalKey);
  return `MERGE INTO ${qualified(schemas.stars, table.name)} d
    USING (SELECT DISTINCT ${list(columns)} FROM ${STAGE}) n ON d.${key} = n.${key}
    WHEN NOT MATCHED THEN INSERT (${list(columns)}) VALUES (${list(columns, "n.")})`;
}
