import type { Command } from "commander";
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

const DIALECTS: readonly DialectName[] = ["postgres", "redshift"];

function parseDialect(value: string): DialectName {
  if (!(DIALECTS as readonly string[]).includes(value))
    throw new Error(`--dialect must be ${DIALECTS.join(" or ")}, not "${value}"`);
  return value as DialectName;
}

const print = (statements: readonly NamedSql[]) =>
  console.log(statements.map((s) => `-- ${s.name}\n${s.sql};`).join("\n\n"));

/** `totes warehouse init --dialect redshift --print`: the DDL and the grants an owner runs. */
export function printInit(opts: { dialect: DialectName; grantTo?: string[]; database?: string }): void {
  const users = opts.grantTo?.length
    ? opts.grantTo
    : ["IAMR:<load function role>", "IAMR:<verify function role>"];
  print(initStatements(opts.dialect, DEFAULT_SCHEMAS, { database: opts.database ?? "warehouse", users }));
}

export function registerWarehouseSql(warehouse: Command): void {
  warehouse
    .command("sql")
    .description("print every statement a load of a table can run, as the backend sends it (for review)")
    .option("--dialect <name>", "postgres or redshift", parseDialect, "postgres" as DialectName)
    .option("--table <name>", "one warehouse table (default: every one)")
    .action((opts: { dialect: DialectName; table?: string }) => {
      const tables = opts.table ? [targetTable(opts.table)] : TARGET_TABLES;
      print(tables.flatMap((t) => loadStatements(opts.dialect, t, DEFAULT_SCHEMAS)));
    });
}

export { parseDialect };
