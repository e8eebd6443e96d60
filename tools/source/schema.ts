import { SOURCE_TABLES } from "../../lib/catalog/index.js";
import type { Column, SourceTable } from "../../lib/catalog/index.js";
import { sqlType } from "../../lib/catalog/sql-types.js";
import { quoteIdent, quoteLiteral } from "../../lib/db/identifiers.js";

function columnDdl(table: SourceTable, column: Column): string {
  const parts = [quoteIdent(column.name)];
  if (column.name === table.primaryKey) return `${parts[0]} serial PRIMARY KEY`;
  parts.push(sqlType(column.type));
  if (!column.nullable) parts.push("NOT NULL");
  if (column.name === "created_at") parts.push("DEFAULT now()");
  if (column.unique) parts.push("UNIQUE");
  if (column.references) {
    const { table: ref, column: refColumn, onDelete = "RESTRICT" } = column.references;
    parts.push(
      `REFERENCES ${quoteIdent(ref)} (${quoteIdent(refColumn)}) ON UPDATE CASCADE ON DELETE ${onDelete}`,
    );
  }
  return parts.join(" ");
}

function enumTypes(): Map<string, readonly string[]> {
  const types = new Map<string, readonly string[]>();
  for (const table of SOURCE_TABLES)
    for (const column of table.columns as readonly Column[])
      if (column.type.kind === "enum") types.set(column.type.name, column.type.values);
  return types;
}

/** DDL of the totesys OLTP schema as the live database has it, tables in foreign-key order. */
export function sourceSchemaDdl(): string[] {
  const statements = [...enumTypes()].map(
    ([name, values]) => `CREATE TYPE ${quoteIdent(name)} AS ENUM (${values.map(quoteLiteral).join(", ")})`,
  );
  for (const table of SOURCE_TABLES) {
    const columns = (table.columns as readonly Column[]).map((c) => `  ${columnDdl(table, c)}`);
    statements.push(`CREATE TABLE ${quoteIdent(table.name)} (\n${columns.join(",\n")}\n)`);
  }
  return statements;
}
