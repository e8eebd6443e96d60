import type { TargetTable } from "../../catalog/index.js";
import type { WarehouseSchemas } from "../schema.js";
import type { Rendered } from "./statement.js";

/**
 * The operations that move a staged object into its table, each rendered by a dialect into the
 * statements its database takes (none, one or several). The planner (load-plan.ts) decides
 * their order by the table's kind; a dialect decides only their SQL.
 */
export interface ApplyOps {
  /** Fresh statistics of the stage (none where the database keeps them itself). */
  analyzeStage(): readonly Rendered[];
  /** Facts: drop staged versions the warehouse holds from the same or a later read. */
  factDropStale(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Facts: a later read of a held version corrects the row in place. */
  factCorrect(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Facts: versions the fact lacks. */
  factInsert(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Facts: the read each fact row the stage holds a version of is now from. */
  factRecordReads(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Dims: drop staged rows older than (or as old as) the version held. */
  dimDropStale(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Dims: record the versions of what is left. */
  dimRecordReads(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Dims: drop staged rows whose values the dim already has. */
  dimDropUnchanged(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /** Dims: type 1 upsert of what is left. */
  dimUpsert(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
  /**
   * The ledger's `rows_written`, counted in SQL from the stage just before the writes, for a
   * backend whose batch cannot read a statement's row count back before the ledger is written
   * (Redshift); none where the ledger is written with the counts afterwards (Postgres).
   */
  countWrites(table: TargetTable, schemas: WarehouseSchemas, objectKey: string): readonly Rendered[];
  /** Calendar: insert the days the table lacks. */
  insertMissing(table: TargetTable, schemas: WarehouseSchemas): readonly Rendered[];
}
