import { TARGET_TABLES, targetTable } from "../../lib/catalog/index.js";
import { DEFAULT_SCHEMAS } from "../../lib/warehouse/schema.js";
import {
  initStatements,
  loadStatements,
  type DialectName,
  type NamedSql,
} from "../../lib/warehouse/statements.js";

/*
 * The warehouse's SQL for review, per dialect: kept apart from warehouse.ts, which only registers
 * these, so the commands that talk to a database and these that print stay independent.
 */

const print = (statements: readonly NamedSql[]) =>
  console.log(statements.map((s) => `-- ${s.name}\n${s.sql};`).join("\n\n"));

/** `totes warehouse init --dialect redshift --print`: the DDL and the grants an owner runs. */
export function printInit(opts: { dialect: DialectName; grantTo?: string[]; database?: string }): void {
  const users = opts.grantTo?.length
    ? opts.grantTo
    : ["IAMR:<load function role>", "IAMR:<verify function role>"];
  print(initStatements(opts.dialect, DEFAULT_SCHEMAS, { database: opts.database ?? "warehouse", users }));
}

/** `totes warehouse sql`: every statement a load of each table (or one) can run, in one dialect. */
export function warehouseSql(opts: { dialect: DialectName; table?: string }): void {
  const tables = opts.table ? [targetTable(opts.table)] : TARGET_TABLES;
  print(tables.flatMap((t) => loadStatements(opts.dialect, t, DEFAULT_SCHEMAS)));
}
