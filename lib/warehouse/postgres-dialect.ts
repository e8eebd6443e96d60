import { quoteIdent } from "../db/identifiers.js";
import type { SqlDialect } from "./dialect.js";
import { postgresApplyOps } from "./postgres-apply-ops.js";

export const postgresDialect: SqlDialect = {
  enforcesUniqueKeys: true,
  apply: postgresApplyOps,
  // SHARE ROW EXCLUSIVE conflicts with itself (one load per table at a time) but not with SELECT.
  lockTable: (table) => `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`,
  createStage: (name, columns) =>
    `CREATE TEMP TABLE ${quoteIdent(name)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")}) ON COMMIT DROP`,
  lockTimeout: (seconds) => `SET LOCAL lock_timeout = '${Math.max(1, Math.round(seconds * 1000))}ms'`,
  ddlLock: () => "SELECT pg_advisory_xact_lock(hashtext('totes-etl warehouse ddl'))",
  tableExists: () => "SELECT to_regclass($1) IS NOT NULL AS present",
  // information_schema lists what this login has some privilege on: the loader's grants cover every table.
  inspectColumns: () =>
    `SELECT table_schema, table_name, column_name, data_type, udt_name, character_maximum_length,
            numeric_precision, numeric_scale, datetime_precision, is_nullable, is_identity, column_default
       FROM information_schema.columns
      WHERE table_schema IN ($1, $2)
      ORDER BY table_schema, table_name, ordinal_position`,
  readSnapshot: () => "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
};
