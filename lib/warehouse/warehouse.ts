import type { TargetTable } from "../catalog/index.js";
import type { PipelineIdentity, WarehouseOwner } from "./ownership.js";
import type { WarehouseSchemas } from "./schema.js";
import type {
  DanglingReference,
  LoadResult,
  LoadedTable,
  ProcessedObject,
  SchemaReport,
  SqlSession,
  WarehouseStatus,
} from "./types.js";

export { copyColumnName, stagedColumns } from "./types.js";
export type {
  CopiedRows,
  CopyColumn,
  DanglingReference,
  LoadResult,
  LoadedTable,
  ProcessedObject,
  SchemaReport,
  SqlSession,
  StagedColumn,
  WarehouseStatus,
} from "./types.js";

/**
 * The warehouse as the pipeline sees it: the port every backend implements, holding every
 * guarantee (idempotent, version-guarded, one transaction per object). What a load runs is
 * planned from the catalog and a dialect (plan/); how it runs is the backend's:
 *   - Postgres (postgres.ts over transactional-warehouse.ts): one transaction on one connection,
 *     with a direct-copy fast path and COPY FROM STDIN staging;
 *   - Redshift (redshift.ts): one BatchExecuteStatement per object through the Data API.
 */
export interface Warehouse {
  /** The warehouse with any password masked, for messages. */
  readonly description: string;
  readonly schemas: WarehouseSchemas;
  /** Compares the warehouse with the catalog, creating what is missing; once per process. */
  ensureSchema(options?: { refresh?: boolean }): Promise<SchemaReport>;
  /** The pipeline that loads this warehouse; undefined before its first load. */
  owner(): Promise<WarehouseOwner | undefined>;
  /** Makes `pipeline` the one that loads this warehouse (ownership.ts). */
  claim(pipeline: PipelineIdentity, options?: { takeOver?: boolean }): Promise<WarehouseOwner>;
  /** Loads one processed object into its table, atomically and idempotently. */
  loadObject(object: ProcessedObject, options?: { pipeline?: PipelineIdentity }): Promise<LoadResult>;
  /** Row counts per star table and the ledger's totals, for `totes status`. */
  status(): Promise<WarehouseStatus>;
  /** What the ledger recorded since `since`, per table. */
  loadedSince(since: Date): Promise<LoadedTable[]>;
  /** Runs `work` over one consistent view of the warehouse where the backend can (verify). */
  readSnapshot<T>(work: (db: SqlSession) => Promise<T>): Promise<T>;
  /** Every fact/dim reference that points at no dim row. */
  checkReferences(tables?: readonly TargetTable[]): Promise<DanglingReference[]>;
  /** Which of `keys` the ledger holds, with when each was loaded (ISO 8601 UTC). */
  loadedObjects(keys: readonly string[]): Promise<Map<string, string>>;
  /** The natural ids a dim holds. */
  dimNaturalIds(table: TargetTable): Promise<number[]>;
  /** Deletes a dim's rows by natural id; returns how many went. */
  deleteDimRows(table: TargetTable, ids: readonly number[]): Promise<number>;
  close(): Promise<void>;
}
