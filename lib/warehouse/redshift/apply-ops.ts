import { loadedColumns, type TargetTable } from "../../catalog/index.js";
import { qualified, quoteIdent } from "../../db/identifiers.js";
import { DIM_VERSION_COLUMNS, storedVersionColumn } from "../../pipeline/dim-versions.js";
import { READ_ORDER } from "../../pipeline/read-order.js";
import {
  STAGE,
  correctable,
  dimDropStale,
  dimDropStaleByRange,
  dimDropUnchanged,
  factDropStale,
  factDropStaleByRange,
  factInsert,
  list,
  recordId,
  sameValues,
  sameVersion,
} from "../apply-sql.js";
import type { ApplyOps } from "../plan/apply-ops.js";
import { rendered } from "../plan/statement.js";
import type { WarehouseSchemas } from "../schema.js";
import { META_VARCHAR } from "./ddl.js";

/**
 * Redshift's SQL for each apply operation. Where Postgres's (apply-sql.ts) is already Redshift
 * SQL (DELETE … USING, INSERT … SELECT … WHERE NOT EXISTS) it is reused; the rest is the
 * delete-then-insert the anchors use (Airbyte, dlt), because Redshift's MERGE takes no target
 * alias, only a table as source, and both WHEN clauses, and an UPDATE target is named in full
 * rather than aliased. Redshift enforces no key, so nothing here relies on one: the stage holds
 * one row per key (load-plan.ts refuses an object that does not) and every insert is guarded.
 */

const tableName = `CAST($1 AS VARCHAR(${META_VARCHAR.tableName}))`;

/** The rows a fact load writes: staged versions the fact lacks, or holds with other values. */
function factWrites(table: TargetTable, schemas: WarehouseSchemas): string {
  const target = qualified(schemas.stars, table.name);
  const columns = correctable(table);
  return `SELECT count(*) AS n FROM ${STAGE} s WHERE NOT EXISTS (
    SELECT 1 FROM ${target} f WHERE ${sameVersion(table, "f", "s")}${columns.length ? ` AND ${sameValues(columns, "f", "s")}` : ""})`;
}

function calendarWrites(table: TargetTable, schemas: WarehouseSchemas): string {
  const key = quoteIdent(table.naturalKey);
  return `SELECT count(DISTINCT s.${key}) AS n FROM ${STAGE} s
    WHERE NOT EXISTS (SELECT 1 FROM ${qualified(schemas.stars, table.name)} d WHERE d.${key} = s.${key})`;
}

const countWrites = (schemas: WarehouseSchemas, counting: string) => {
  const ledger = qualified(schemas.meta, "loaded_object");
  return `UPDATE ${ledger} SET rows_written = c.n FROM (${counting}) c WHERE ${ledger}.object_key = $1`;
};

export const redshiftApplyOps: ApplyOps = {
  // Redshift keeps a temp table's statistics itself; ANALYZE of every stage costs more than it saves.
  analyzeStage: () => [],
  factDropStale: (t, s) => [
    rendered(factDropStale(t, s), [t.name]),
    rendered(factDropStaleByRange(t, s), [t.name]),
  ],
  factCorrect: (t, s) => {
    const target = qualified(s.stars, t.name);
    const columns = correctable(t);
    return [
      rendered(
        `UPDATE ${target} SET ${columns.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(", ")}
           FROM ${STAGE} s
          WHERE ${sameVersion(t, target, "s")} AND NOT (${sameValues(columns, target, "s")})`,
        undefined,
        true,
      ),
    ];
  },
  factInsert: (t, s) => [rendered(factInsert(t, s), undefined, true)],
  factRecordReads: (t, s) => {
    const reads = qualified(s.meta, "fact_read");
    const fact = qualified(s.stars, t.name);
    return [
      rendered(
        `DELETE FROM ${reads} USING ${STAGE} s, ${fact} f
          WHERE ${reads}.table_name = $1 AND ${reads}.record_id = f.${recordId(t)} AND ${sameVersion(t, "f", "s")}`,
        [t.name],
      ),
      rendered(
        `INSERT INTO ${reads} (table_name, record_id, read_order)
         SELECT ${tableName}, f.${recordId(t)}, s.${READ_ORDER}
           FROM ${STAGE} s JOIN ${fact} f ON ${sameVersion(t, "f", "s")}`,
        [t.name],
      ),
    ];
  },
  dimDropStale: (t, s) => [
    rendered(dimDropStale(t, s), [t.name]),
    rendered(dimDropStaleByRange(t, s), [t.name]),
  ],
  dimRecordReads: (t, s) => {
    const reads = qualified(s.meta, "dim_read");
    const key = quoteIdent(t.naturalKey);
    const stored = DIM_VERSION_COLUMNS.map(storedVersionColumn);
    return [
      rendered(
        `DELETE FROM ${reads} USING ${STAGE} n WHERE ${reads}.table_name = $1 AND ${reads}.natural_id = n.${key}`,
        [t.name],
      ),
      rendered(
        `INSERT INTO ${reads} (table_name, natural_id, ${stored.join(", ")})
         SELECT ${tableName}, n.${key}, ${DIM_VERSION_COLUMNS.map((c) => `n.${c}`).join(", ")} FROM ${STAGE} n`,
        [t.name],
      ),
    ];
  },
  dimDropUnchanged: (t, s) => [rendered(dimDropUnchanged(t, s))],
  dimUpsert: (t, s) => {
    const target = qualified(s.stars, t.name);
    const key = quoteIdent(t.naturalKey);
    const columns = loadedColumns(t).map((c) => c.name);
    return [
      rendered(`DELETE FROM ${target} USING ${STAGE} n WHERE ${target}.${key} = n.${key}`),
      rendered(
        `INSERT INTO ${target} (${list(columns)}) SELECT ${list(columns, "n.")} FROM ${STAGE} n`,
        undefined,
        true,
      ),
    ];
  },
  countWrites: (t, s, objectKey) => [
    rendered(
      countWrites(
        s,
        t.kind === "fact"
          ? factWrites(t, s)
          : t.kind === "calendar"
            ? calendarWrites(t, s)
            : `SELECT count(*) AS n FROM ${STAGE}`,
      ),
      [objectKey],
    ),
  ],
  insertMissing: (t, s) => {
    const target = qualified(s.stars, t.name);
    const key = quoteIdent(t.naturalKey);
    const columns = loadedColumns(t).map((c) => c.name);
    return [
      rendered(
        `INSERT INTO ${target} (${list(columns)})
         SELECT DISTINCT ${list(columns, "s.")} FROM ${STAGE} s
          WHERE NOT EXISTS (SELECT 1 FROM ${target} d WHERE d.${key} = s.${key})`,
        undefined,
        true,
      ),
    ];
  },
};
