import { loadedColumns, type TargetTable } from "../../catalog/index.js";
import { qualified, quoteIdent, quoteLiteral } from "../../db/identifiers.js";
import type { CalendarDay } from "../../model/calendar.js";
import { processedColumns } from "../../pipeline/processed-columns.js";
import { STAGE } from "../apply-sql.js";
import { DATA_API_LIMITS } from "../data-api/plan.js";
import { planApply } from "../plan/apply-plan.js";
import type { PlannedStatement } from "../plan/statement.js";
import type { WarehouseSchemas } from "../schema.js";
import { redshiftApplyOps } from "./apply-ops.js";
import { META_VARCHAR } from "./ddl.js";
import { redshiftRawType, redshiftType } from "./types.js";

/** Where the Parquet lands when some of its columns need converting (TIME): mirrors the file. */
export const RAW_STAGE = "_totes_raw";

/** What a Redshift load of one object needs to know to be planned: nothing is read back mid-batch. */
export interface RedshiftLoadInput {
  readonly table: TargetTable;
  readonly bucket: string;
  readonly key: string;
  readonly etag?: string;
  /** The pipeline loading it: the batch fails if the warehouse has another owner. */
  readonly pipelineId?: string;
  /**
   * The role Redshift assumes to read the object: "default" (the namespace's default role, what a
   * stage that creates the namespace sets up) or a role ARN attached to an existing workgroup or
   * cluster (stacks/redshift.ts links which).
   */
  readonly copyRole?: string;
  /** Calendar only: days the stage needs beside the object's, so the calendar stays contiguous. */
  readonly calendarDays?: readonly CalendarDay[];
}

/**
 * Every table a load of `table` writes or must not see change under it, in one fixed order
 * (bookkeeping, then the stars, each by name): two loads lock in the same order, so they queue
 * instead of deadlocking, and neither commits a write the other read, which is what Redshift
 * reports as error 1023 (serializable isolation violation). Redshift's LOCK blocks readers too,
 * for the few seconds of a load: the price of loads that do not fail each other.
 */
export function lockedTables(table: TargetTable, schemas: WarehouseSchemas): string[] {
  const meta = [
    "loaded_object",
    "owner",
    ...(table.kind === "dim" ? ["dim_read"] : table.kind === "fact" ? ["fact_read"] : []),
  ];
  return [...meta.sort().map((t) => qualified(schemas.meta, t)), qualified(schemas.stars, table.name)];
}

/**
 * A statement that fails the batch, and with it the whole load, when `from … where` finds a row:
 * a cast of the message to INTEGER fails naming the message (Redshift and Postgres both say
 * `invalid input syntax for integer: "<message>"`). The batch cannot branch; it can refuse.
 */
const refuseIf = (message: string, fromWhere: string, params?: readonly string[]): PlannedStatement => ({
  sql: `SELECT CAST(${message} AS INTEGER) AS refused ${fromWhere}`,
  ...(params ? { params } : {}),
  step: "guard",
});

/** The message that marks a load refused because the warehouse has another owner. */
export const OWNER_GUARD = "totes: warehouse owned by pipeline ";
/** The message that marks an object holding one key twice. */
export const DUPLICATE_GUARD = "totes: the object holds one key more than once: ";

const stageColumns = (table: TargetTable) => processedColumns(table);

/** The stage: the object's processed columns in warehouse types, positionally as in the file. */
function stageStatements(input: RedshiftLoadInput): PlannedStatement[] {
  const columns = stageColumns(input.table);
  const typed = columns.map((c) => `${quoteIdent(c.name)} ${redshiftType(c.type).toUpperCase()}`);
  const source = quoteLiteral(`s3://${input.bucket}/${input.key}`);
  const needsRaw = columns.some((c) => redshiftRawType(c.type));
  const role = !input.copyRole || input.copyRole === "default" ? "default" : quoteLiteral(input.copyRole);
  const copy = (into: string): PlannedStatement => ({
    // No column list: a columnar COPY maps by position, and refuses a file whose column count
    // differs from the table's (error 15007), which is how an object of another shape is caught.
    sql: `COPY ${into} FROM ${source} IAM_ROLE ${role} FORMAT AS PARQUET`,
    step: "stage",
    reads: true,
  });
  const create: PlannedStatement = { sql: `CREATE TEMP TABLE ${STAGE} (${typed.join(", ")})`, step: "stage" };
  if (!needsRaw) return [create, copy(STAGE)];
  const raw = columns.map(
    (c) => `${quoteIdent(c.name)} ${(redshiftRawType(c.type) ?? redshiftType(c.type)).toUpperCase()}`,
  );
  const converted = columns.map((c) =>
    c.type.kind === "time"
      ? // Microseconds of the day → TIME; DATEADD takes a 32-bit count, so milliseconds (what the source keeps).
        `CAST(DATEADD(ms, CAST(r.${quoteIdent(c.name)} / 1000 AS INTEGER), CAST('2000-01-01' AS TIMESTAMP)) AS TIME)`
      : `r.${quoteIdent(c.name)}`,
  );
  return [
    { sql: `CREATE TEMP TABLE ${RAW_STAGE} (${raw.join(", ")})`, step: "stage" },
    copy(RAW_STAGE),
    create,
    {
      sql: `INSERT INTO ${STAGE} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) SELECT ${converted.join(", ")} FROM ${RAW_STAGE} r`,
      step: "stage",
    },
  ];
}

/** Calendar days as rows of the stage, in INSERT … VALUES statements each within the Data API's size. */
export function calendarRows(table: TargetTable, days: readonly CalendarDay[]): PlannedStatement[] {
  const names = loadedColumns(table).map((c) => c.name);
  const head = `INSERT INTO ${STAGE} (${names.map(quoteIdent).join(", ")}) VALUES `;
  const budget = DATA_API_LIMITS.statementBytes - 1_000;
  const statements: PlannedStatement[] = [];
  let rows: string[] = [];
  let bytes = head.length;
  const flush = () => {
    if (rows.length) statements.push({ sql: head + rows.join(", "), step: "stage" });
    rows = [];
    bytes = head.length;
  };
  for (const day of days) {
    const row = `(${names
      .map((n) => {
        const value = day[n as keyof CalendarDay];
        return typeof value === "number" ? String(value) : quoteLiteral(String(value));
      })
      .join(", ")})`;
    if (bytes + row.length + 2 > budget) flush();
    rows.push(row);
    bytes += row.length + 2;
  }
  flush();
  return statements;
}

/** Refuses a stage holding a key twice: Redshift's declared keys would not. */
function uniqueGuard(table: TargetTable): PlannedStatement {
  const identity =
    table.kind === "fact" ? [table.naturalKey, ...(table.versionKey ?? [])] : [table.naturalKey];
  const shown = identity
    .map((c) => `COALESCE(CAST(d.${quoteIdent(c)} AS VARCHAR(64)), 'NULL')`)
    .join(` || ' ' || `);
  const grouped = identity.map(quoteIdent).join(", ");
  // The calendar's rows repeat days on purpose (the object and the gap days); its insert is DISTINCT.
  return refuseIf(
    `${quoteLiteral(DUPLICATE_GUARD)} || ${shown}`,
    `FROM (SELECT ${grouped} FROM ${STAGE} GROUP BY ${grouped} HAVING count(*) > 1) d`,
  );
}

/**
 * The whole load of one object on Redshift, as one batch run atomically (BatchExecuteStatement):
 * lock every table written, refuse another owner, stage the object from S3 by COPY, refuse a
 * key twice, open the ledger row with the rows in, apply by the table's kind (plan/apply-plan.ts,
 * with the rows written counted into the ledger just before the writes). Pure.
 */
export function planRedshiftLoad(input: RedshiftLoadInput, schemas: WarehouseSchemas): PlannedStatement[] {
  const { table } = input;
  const ledger = qualified(schemas.meta, "loaded_object");
  const text = (n: 1 | 2 | 3, bytes: number) => `CAST($${n} AS VARCHAR(${bytes}))`;
  return [
    { sql: `LOCK ${lockedTables(table, schemas).join(", ")}`, step: "lock" },
    ...(input.pipelineId !== undefined
      ? [
          refuseIf(
            `${quoteLiteral(OWNER_GUARD)} || o.pipeline_id`,
            `FROM ${qualified(schemas.meta, "owner")} o WHERE o.pipeline_id <> $1`,
            [input.pipelineId],
          ),
        ]
      : []),
    ...stageStatements(input),
    { sql: `DELETE FROM ${ledger} WHERE object_key = $1`, params: [input.key], step: "ledger" },
    {
      sql: `INSERT INTO ${ledger} (object_key, etag, table_name, rows_in, rows_written, loaded_at)
            SELECT ${text(1, META_VARCHAR.objectKey)}, ${text(2, META_VARCHAR.etag)}, ${text(3, META_VARCHAR.tableName)}, count(*), 0, GETDATE() FROM ${STAGE}`,
      params: [input.key, input.etag ?? null, table.name],
      step: "ledger",
    },
    // After the ledger counted the object's rows: the calendar's gap days are not rows it brought.
    ...(table.kind === "calendar" ? calendarRows(table, input.calendarDays ?? []) : [uniqueGuard(table)]),
    ...planApply(table, schemas, redshiftApplyOps, input.key),
  ];
}
