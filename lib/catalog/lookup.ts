import { SOURCE_TABLES, type SourceTableName } from "./source.js";
import type { SourceTable, TargetTable } from "./types.js";
import { TARGET_TABLES, type TargetTableName } from "./warehouse.js";

const sourcesByName = new Map<string, SourceTable>(SOURCE_TABLES.map((t) => [t.name, t]));
const targetsByName = new Map<string, TargetTable>(TARGET_TABLES.map((t) => [t.name, t]));

export const isSourceTableName = (name: string): name is SourceTableName => sourcesByName.has(name);
export const isTargetTableName = (name: string): name is TargetTableName => targetsByName.has(name);

export function sourceTable(name: string): SourceTable {
  const table = sourcesByName.get(name);
  if (!table)
    throw new Error(
      `unknown source table "${name}" (the catalog has ${[...sourcesByName.keys()].join(", ")})`,
    );
  return table;
}

export function targetTable(name: string): TargetTable {
  const table = targetsByName.get(name);
  if (!table)
    throw new Error(
      `unknown warehouse table "${name}" (the catalog has ${[...targetsByName.keys()].join(", ")})`,
    );
  return table;
}

/** The warehouse tables a change to this source table affects. */
export const targetsFedBy = (source: string): TargetTable[] =>
  TARGET_TABLES.filter((t) => (t.sources as readonly string[]).includes(source));

export const columnNames = (table: SourceTable | TargetTable): string[] => table.columns.map((c) => c.name);

/** A target's columns as the pipeline writes them: the warehouse-assigned record id left out. */
export const loadedColumns = (table: TargetTable) => table.columns.filter((c) => c.name !== table.recordId);
