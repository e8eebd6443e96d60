import type { TargetTable } from "../catalog/index.js";

/**
 * Columns the transform adds to every dim row it emits, and the load compares, in this order,
 * before an upsert: a row is taken only if its version is greater, component by component.
 *   _version_hi               the `last_updated` of the dim's own source row (staff,
 *                             counterparty, …): it decides first, because it says which parent
 *                             the row joins;
 *   _version_hi_extracted_at  when that row was extracted (lib/pipeline/extraction-order.ts):
 *                             between two reads of one version, the later is a correction;
 *   _version_lo               the `last_updated` of the parent row it was joined with
 *                             (department, address), deciding between rows built from the same
 *                             child version;
 *   _version_lo_extracted_at  when that parent row was extracted.
 * For a dim of one source table the last two equal the first two.
 * Comparing one timestamp (the newest of the two) lets a parent's change, re-emitted for a
 * child that has since moved, outrank the child's move and undo it. The calendar has none: a
 * calendar day never changes.
 */
export const DIM_VERSION_COLUMNS = [
  "_version_hi",
  "_version_hi_extracted_at",
  "_version_lo",
  "_version_lo_extracted_at",
] as const;

export type DimVersionColumn = (typeof DIM_VERSION_COLUMNS)[number];

/** The `totes_meta.dim_version` column that records a staged version column. */
export const storedVersionColumn = (column: DimVersionColumn): string => column.slice(1);

export const isVersionedDim = (table: TargetTable): boolean => table.kind === "dim";
