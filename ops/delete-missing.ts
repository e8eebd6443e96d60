import { SOURCE_TABLES, TARGET_TABLES, type TargetTable } from "../lib/catalog/index.js";
import type { Pool } from "../lib/db/pool.js";
import { qualified, quoteIdent } from "../lib/db/identifiers.js";
import { DEFAULT_SOURCE_SCHEMA } from "../lib/db/session-settings.js";
import type { Warehouse } from "../lib/warehouse/warehouse.js";

export interface MissingRows {
  readonly dim: string;
  /** The source table whose primary key is the dim's natural id. */
  readonly source: string;
  /** Natural ids the dim held that the source no longer has, ascending. */
  readonly ids: readonly number[];
  /** How many of them were deleted (0 on a dry run). */
  readonly deleted: number;
}

/** The dims whose natural id is the primary key of one of `tables` (dim_date has no source row). */
export const dimsKeyedBy = (tables: readonly string[]): TargetTable[] =>
  TARGET_TABLES.filter((t) => t.kind === "dim" && tables.includes(t.sources[0]!));

/**
 * Removes from the dims keyed by `tables` the rows whose natural id no longer exists at the
 * source (`totes backfill --delete-missing`). The dim's ids are read first and the source's
 * after, so an id inserted at the source and loaded in between is never taken for deleted
 * (ids are not reused). Facts keep their history: a fact row may then reference a deleted
 * dim row, which `totes warehouse check` reports.
 */
export async function deleteMissingDimRows(
  source: Pool,
  warehouse: Warehouse,
  tables: readonly string[],
  options: { dryRun?: boolean; sourceSchema?: string } = {},
): Promise<MissingRows[]> {
  const report: MissingRows[] = [];
  for (const dim of dimsKeyedBy(tables)) {
    const table = SOURCE_TABLES.find((t) => t.name === dim.sources[0])!;
    const held = await warehouse.dimNaturalIds(dim);
    const { rows } = await source.query<{ id: number }>(
      `SELECT ${quoteIdent(table.primaryKey)} AS id FROM ${qualified(options.sourceSchema ?? DEFAULT_SOURCE_SCHEMA, table.name)}`,
    );
    const present = new Set(rows.map((r) => Number(r.id)));
    const ids = held.filter((id) => !present.has(id)).sort((a, b) => a - b);
    const deleted = options.dryRun ? 0 : await warehouse.deleteDimRows(dim, ids);
    report.push({ dim: dim.name, source: table.name, ids, deleted });
  }
  return report;
}
