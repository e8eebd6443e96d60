import type { TargetTable } from "../catalog/index.js";

/**
 * Columns the transform adds to every dim row it emits, and the load compares before an
 * upsert: the newest and oldest source `last_updated` the row was built from. The calendar
 * has none: a calendar day never changes.
 */
export const DIM_VERSION_COLUMNS = ["_version_hi", "_version_lo"] as const;

export const isVersionedDim = (table: TargetTable): boolean => table.kind === "dim";
