import { sqlType, type TargetTable } from "../catalog/index.js";
import { processedColumns } from "../pipeline/processed-columns.js";
import type { ByteSource } from "../load/byte-source.js";
import type { ColumnWatch } from "./column-watch.js";

/**
 * The shapes the warehouse port and its backends share: what a load takes and answers, and
 * what a backend runs SQL through. Kept apart from the port (warehouse.ts) and the dialects
 * so that neither imports the other.
 */

/** What a backend runs SQL through: a connection, or one inside a transaction. */
export interface SqlSession {
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
}

/** A processed Parquet object to load: where it is, which version, how to read it if needed. */
export interface ProcessedObject {
  readonly table: TargetTable;
  readonly bucket: string;
  readonly key: string;
  readonly etag?: string;
  /**
   * The object's bytes, fetched by range as a reader asks for them (each call starts afresh);
   * a backend that stages from the object store itself never calls it.
   */
  open(): ByteSource;
}

export interface LoadResult {
  readonly table: string;
  readonly objectKey: string;
  readonly rowsIn: number;
  /** Rows inserted or updated; 0 for a repeat or an older version. */
  readonly rowsWritten: number;
  /** True when the ledger shows this exact object was loaded before. */
  readonly alreadyLoaded: boolean;
}

/** What `ensureSchema` did: schema-qualified tables created and found; the views and comments. */
export interface SchemaReport {
  readonly created: readonly string[];
  readonly found: readonly string[];
  /**
   * `stale`: they differ from the catalog's and this login may not replace them; `deferred`:
   * they differ and a reader held them past the lock timeout, so loads went on without them
   * and the next process tries again.
   */
  readonly presentation: "applied" | "current" | "stale" | "deferred";
}

/**
 * A column `copyObject` fills: from the object's column of the same name, from another
 * (`from`), or with one value for every row (`fixed`).
 */
export type CopyColumn =
  | string
  | { readonly into: string; readonly from: string }
  | { readonly into: string; readonly fixed: string }
  /** An integer counting up from `from`, one per row in the object's order. */
  | { readonly into: string; readonly counting: number };

export const copyColumnName = (column: CopyColumn): string =>
  typeof column === "string" ? column : column.into;

/** How `copyObject` copies, beyond which columns. */
export interface CopyOptions {
  /** Each sees every value of its object column on the way. */
  readonly watches?: readonly ColumnWatch[];
  /**
   * The table is known to be empty (under the load lock): a backend may build its unique keys
   * after the rows instead of entry by entry, refusing a duplicate all the same.
   */
  readonly intoEmpty?: boolean;
  /** Only the rows this condition (over the target's columns) holds for are written. */
  readonly where?: string;
}

/** What copying an object did: how many rows it copied. */
export interface CopiedRows {
  readonly rows: number;
}

export interface StagedColumn {
  readonly name: string;
  readonly type: string;
}

export interface LoadedTable {
  readonly table: string;
  readonly objects: number;
  readonly rowsIn: number;
  readonly rowsWritten: number;
}

export interface WarehouseStatus {
  /** Redacted. */
  readonly url: string;
  /** Null when the table does not exist yet. */
  readonly tables: readonly { readonly table: string; readonly rows: number | null }[];
  readonly objectsLoaded: number;
  /** ISO 8601 UTC, e.g. 2026-12-01T08:47:17.123Z. */
  readonly lastLoadedAt?: string;
}

export interface DanglingReference {
  readonly table: string;
  readonly column: string;
  readonly references: string;
  readonly rows: number;
}

/** The columns an object of `table` is staged with: its processed columns, in warehouse types. */
export const stagedColumns = (table: TargetTable): StagedColumn[] =>
  processedColumns(table).map((c) => ({ name: c.name, type: sqlType(c.type) }));
