import type { TargetTable } from "../catalog/index.js";

/**
 * Columns the transform adds to every dim row it emits, and the load compares, in this order,
 * before an upsert: a row is taken only if its version is greater, component by component.
 *   _version_hi  the `last_updated` of the dim's own source row (staff, counterparty, …): it
 *                decides first, because it says which parent the row joins;
 *   _version_lo  the `last_updated` of the parent row it was joined with (department,
 *                address), deciding between rows built from the same child version; equal to
 *                _version_hi for a dim of one source table.
 * Comparing one timestamp (the newest of the two) lets a parent's change, re-emitted for a
 * child that has since moved, outrank the child's move and undo it. The calendar has none: a
 * calendar day never changes.
 */
export const DIM_VERSION_COLUMNS = ["_version_hi", "_version_lo"] as const;

export const isVersionedDim = (table: TargetTable): boolean => table.kind === "dim";
