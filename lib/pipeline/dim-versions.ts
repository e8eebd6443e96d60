import type { TargetTable } from "../catalog/index.js";

/**
 * Columns the transform adds to every dim row it emits, and the load compares, in this order,
 * before an upsert: a row is taken only if its version is greater, component by component.
 *   _own_read_order     the read order (lib/pipeline/read-order.ts) of the dim's own source row
 *                       (staff, counterparty, …): it decides first, because that row says
 *                       which parent the dim row joins;
 *   _parent_read_order  the read order of the parent row it was joined with (department,
 *                       address), deciding between rows built from the same read of the child.
 * For a dim of one source table the two are equal. Comparing one number (the newest of the
 * two) would let a parent's change, re-emitted for a child that has since moved, outrank the
 * child's move and undo it. The calendar has none: a calendar day never changes.
 */
export const DIM_VERSION_COLUMNS = ["_own_read_order", "_parent_read_order"] as const;

export type DimVersionColumn = (typeof DIM_VERSION_COLUMNS)[number];

/** The `totes_meta.dim_read` column that records a staged version column. */
export const storedVersionColumn = (column: DimVersionColumn): string => column.slice(1);

export const isVersionedDim = (table: TargetTable): boolean => table.kind === "dim";
