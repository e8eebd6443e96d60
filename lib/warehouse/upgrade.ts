import { qualified } from "../db/identifiers.js";
import { LEGACY_BASE, legacyReadOrderSql } from "../pipeline/read-order.js";
import type { WarehouseSchemas } from "./schema.js";
import type { FoundColumn } from "./schema-check.js";

/**
 * Bookkeeping an earlier version of the pipeline kept, and how it becomes today's. Versions
 * were ordered by `last_updated` and extraction time then; now by read order (commit order,
 * lib/pipeline/read-order.ts). Every read recorded before the upgrade was made before any
 * read after it, so each keeps its place among the old ones (by extraction time) below every
 * new one: exactly what the legacy read order of its extraction time says.
 */
interface LegacyTable {
  readonly name: string;
  /**
   * Statements that carry its rows into today's table (created just before), then drop it;
   * `order(column)` is the legacy read order of an extraction-time column, or of "before any
   * run" where the table predates that column.
   */
  readonly upgrade: (meta: string, order: (column: string) => string) => string[];
}

const LEGACY_TABLES: readonly LegacyTable[] = [
  {
    name: "dim_version",
    upgrade: (meta, order) => [
      `INSERT INTO ${qualified(meta, "dim_read")} (table_name, natural_id, own_read_order, parent_read_order)
         SELECT table_name, natural_id, ${order("version_hi_extracted_at")}, ${order("version_lo_extracted_at")}
           FROM ${qualified(meta, "dim_version")}`,
      `DROP TABLE ${qualified(meta, "dim_version")}`,
    ],
  },
  {
    name: "fact_version",
    upgrade: (meta, order) => [
      `INSERT INTO ${qualified(meta, "fact_read")} (table_name, record_id, read_order)
         SELECT table_name, record_id, ${order("extracted_at")} FROM ${qualified(meta, "fact_version")}`,
      `DROP TABLE ${qualified(meta, "fact_version")}`,
    ],
  },
];

/**
 * The statements that upgrade the legacy bookkeeping `found` in the warehouse, in the same
 * transaction as the DDL that made today's tables; none when there is none.
 */
export function upgradeStatements(schemas: WarehouseSchemas, found: readonly FoundColumn[]): string[] {
  const meta = found.filter((c) => c.table_schema === schemas.meta);
  return LEGACY_TABLES.filter((t) => meta.some((c) => c.table_name === t.name)).flatMap((t) =>
    t.upgrade(schemas.meta, (column) =>
      meta.some((c) => c.table_name === t.name && c.column_name === column)
        ? legacyReadOrderSql(column)
        : `CAST(${LEGACY_BASE} AS bigint)`,
    ),
  );
}
