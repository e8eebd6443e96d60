import { CatalogError } from "../errors.js";
import { SOURCE_TABLES, type SourceTableName } from "./source.js";
import type { Column, SourceTable, TargetTable } from "./types.js";
import { TARGET_TABLES, type TargetTableName } from "./warehouse.js";

const sourcesByName = new Map<string, SourceTable>(SOURCE_TABLES.map((t) => [t.name, t]));
const targetsByName = new Map<string, TargetTable>(TARGET_TABLES.map((t) => [t.name, t]));

export const isSourceTableName = (name: string): name is SourceTableName => sourcesByName.has(name);
export const isTargetTableName = (name: string): name is TargetTableName => targetsByName.has(name);

export function sourceTable(name: string): SourceTable {
  const table = sourcesByName.get(name);
  if (!table)
    throw new CatalogError(
      "source table",
      name,
      `unknown source table "${name}" (the catalog has ${[...sourcesByName.keys()].join(", ")})`,
    );
  return table;
}

export function targetTable(name: string): TargetTable {
  const table = targetsByName.get(name);
  if (!table)
    throw new CatalogError(
      "warehouse table",
      name,
      `unknown warehouse table "${name}" (the catalog has ${[...targetsByName.keys()].join(", ")})`,
    );
  return table;
}

/** The warehouse's one table of kind "calendar": the day every fact date column refers to. */
export function calendarTable(tables: readonly TargetTable[] = TARGET_TABLES): TargetTable {
  const calendars = tables.filter((t) => t.kind === "calendar");
  if (calendars.length !== 1)
    throw new CatalogError(
      "calendar table",
      calendars.map((t) => t.name).join(", "),
      `the catalog must have one warehouse table of kind "calendar", not ${calendars.length}` +
        (calendars.length ? ` (${calendars.map((t) => t.name).join(", ")})` : ""),
    );
  return calendars[0]!;
}

/** The days the calendar may hold (the catalog's `span` of the calendar table). */
export function calendarSpan(): { readonly first: string; readonly last: string } {
  const calendar = calendarTable();
  if (!calendar.span)
    throw new CatalogError(
      "calendar table",
      calendar.name,
      `the calendar table ${calendar.name} declares no span`,
    );
  return calendar.span;
}

/** A target's columns that refer to a calendar day (a fact's dates). */
export const calendarColumns = (table: TargetTable): Column[] => {
  const calendar = calendarTable().name;
  return table.columns.filter((c) => c.references?.table === calendar);
};

/** The warehouse tables a change to this source table affects. */
export const targetsFedBy = (source: string): TargetTable[] =>
  TARGET_TABLES.filter((t) => (t.sources as readonly string[]).includes(source));

export const columnNames = (table: SourceTable | TargetTable): string[] => table.columns.map((c) => c.name);

/** A target's columns as the pipeline writes them: the warehouse-assigned record id left out. */
export const loadedColumns = (table: TargetTable) => table.columns.filter((c) => c.name !== table.recordId);
