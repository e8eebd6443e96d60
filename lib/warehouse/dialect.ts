import type { ApplyOps } from "./plan/apply-ops.js";
import type { StagedColumn } from "./types.js";

/**
 * The statements that differ between warehouses. Everything else the pipeline runs (MERGE,
 * INSERT … SELECT, DELETE … USING, the DDL of `schema.ts`) is SQL Postgres and Redshift
 * both take.
 */
export interface SqlDialect {
  /**
   * Whether PRIMARY KEY / UNIQUE constraints refuse duplicates (Postgres) or are only
   * declared (Redshift): a load may copy straight into a table and let its keys say whether
   * the warehouse held any of the rows only where they are enforced.
   */
  readonly enforcesUniqueKeys: boolean;
  /** The SQL of each operation that moves a staged object into its table (plan/apply-plan.ts orders them). */
  readonly apply: ApplyOps;
  /** Makes loads of one table wait for each other, without blocking readers. */
  lockTable(qualifiedTable: string): string;
  /** A session-private stage table that disappears with the transaction. */
  createStage(name: string, columns: readonly StagedColumn[]): string;
  /**
   * Bounds how long the transaction's next statements wait for a lock (SQLSTATE 55P03 when
   * exceeded); undefined where the database has no such setting.
   */
  lockTimeout(seconds: number): string | undefined;
  /** Serialises concurrent schema creation; undefined where DDL is already serialised. */
  ddlLock(): string | undefined;
  /** A query taking a schema-qualified name as $1 and answering one row `{ present: boolean }`. */
  tableExists(): string;
  /**
   * A query taking the stars' and the bookkeeping schema's names as $1 and $2 and answering
   * one `FoundColumn` (the shape of `information_schema.columns`) per column of every table
   * in them: what `ensureSchema()` compares with the catalog before it writes anything.
   */
  inspectColumns(): string;
  /** The first statement of a read-only transaction whose queries all see one snapshot (verify). */
  readSnapshot(): string;
}
