import { quoteIdent } from "../db/identifiers.js";
import type { SqlDialect } from "./dialect.js";

export const postgresDialect: SqlDialect = {
  // SHARE ROW EXCLUSIVE conflicts with itself (one load per table at a time) but not with SELECT.
  lockTable: (table) => `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`,
  createStage: (name, columns) =>
    `CREATE TEMP TABLE ${quoteIdent(name)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")}) ON COMMIT DROP`,
  ddlLock: () => "SELECT pg_advisory_xact_lock(hashtext('totes-etl warehouse ddl'))",
  tableExists: () => "SELECT to_regclass($1) IS NOT NULL AS present",
};
