import { TARGET_TABLES, type TargetTable } from "../catalog/index.js";
import { calendarRange } from "../model/calendar.js";
import { toNamed } from "./redshift/positional.js";
import { redshiftGrants, redshiftPresentationDdl, redshiftTablesDdl } from "./redshift/ddl.js";
import { planRedshiftLoad } from "./redshift/load-plan.js";
import { recordPresentation } from "./redshift/presentation.js";
import { STAGE } from "./apply-sql.js";
import { planApply } from "./plan/apply-plan.js";
import { postgresDialect } from "./postgres-dialect.js";
import { presentationDdl, tablesDdl, type WarehouseSchemas } from "./schema.js";
import { stagedColumns } from "./types.js";

/** A statement for review: where it comes from, and its SQL as the backend sends it. */
export interface NamedSql {
  readonly name: string;
  readonly sql: string;
}

export type DialectName = "postgres" | "redshift";

/** An example object of `table` (the plan's SQL depends on its table, not on its rows). */
const EXAMPLE = (table: TargetTable) => ({
  table,
  bucket: "totes-processed-example",
  key: `tables/${table.name}/2026/12/05/example.parquet`,
  etag: '"0123456789abcdef"',
  pipelineId: "aws:totes-processed-example",
  // Two days either side: the calendar's gap rows appear in the plan.
  calendarDays: calendarRange("2026-12-01", "2026-12-02"),
});

/**
 * Every statement a load of `table` can run, in order, as the backend sends it: for Redshift the
 * whole batch (redshift/load-plan.ts, `$n` as named parameters); for Postgres the stage, the
 * apply plan and the ledger of the general path, then the fast path's statements (see
 * transactional-warehouse.ts; its COPY streams the rows from the load).
 */
export function loadStatements(
  dialect: DialectName,
  table: TargetTable,
  schemas: WarehouseSchemas,
): NamedSql[] {
  if (dialect === "redshift")
    return planRedshiftLoad(EXAMPLE(table), schemas).map((s, i) => ({
      name: `load ${table.name} #${i + 1} (${s.step})`,
      sql: toNamed(s.sql, s.params, `s${i}_`).sql,
    }));
  return [
    { name: `load ${table.name}: stage`, sql: postgresDialect.createStage(STAGE, stagedColumns(table)) },
    { name: `load ${table.name}: stage`, sql: `COPY ${STAGE} (…) FROM STDIN WITH (FORMAT csv)` },
    ...planApply(table, schemas, postgresDialect.apply, EXAMPLE(table).key).map((s) => ({
      name: `load ${table.name}: ${s.step}`,
      sql: s.sql,
    })),
  ];
}

/** The DDL an owner runs (and, for Redshift, the grants to the functions' IAM-derived users). */
export function initStatements(
  dialect: DialectName,
  schemas: WarehouseSchemas,
  grants: { database: string; users: readonly string[] } = { database: "dev", users: [] },
): NamedSql[] {
  if (dialect === "postgres")
    return [...tablesDdl(schemas), ...presentationDdl(schemas)].map((sql, i) => ({
      name: `init #${i + 1}`,
      sql,
    }));
  return [
    ...redshiftTablesDdl(schemas).map((sql, i) => ({ name: `init table #${i + 1}`, sql })),
    ...redshiftPresentationDdl(schemas).map((sql, i) => ({ name: `init view/comment #${i + 1}`, sql })),
    ...recordPresentation(schemas, redshiftPresentationDdl(schemas)).map((sql) => ({
      name: "init: record the views' fingerprint",
      sql,
    })),
    ...grants.users.flatMap((user) =>
      redshiftGrants(schemas, grants.database, user).map((sql) => ({ name: `grant to ${user}`, sql })),
    ),
  ];
}

/** Every load statement of every table (or of `tables`). */
export const allLoadStatements = (
  dialect: DialectName,
  schemas: WarehouseSchemas,
  tables: readonly TargetTable[] = TARGET_TABLES,
): NamedSql[] => tables.flatMap((t) => loadStatements(dialect, t, schemas));
