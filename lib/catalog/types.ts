/**
 * The vocabulary of the table catalog. Every other description of a table (DDL, CSV
 * codecs, Parquet schemas, load SQL) is derived from values of these types.
 */

export type ColumnType =
  | { readonly kind: "int" }
  /** 64-bit: the pipeline's read orders (lib/pipeline/read-order.ts), never a source column. */
  | { readonly kind: "bigint" }
  | { readonly kind: "decimal"; readonly precision: number; readonly scale: number }
  | { readonly kind: "text"; readonly maxLength?: number }
  | { readonly kind: "timestamp" }
  | { readonly kind: "date" }
  | { readonly kind: "time" }
  | { readonly kind: "boolean" }
  /** A yyyy-mm-dd date the source stores as text. */
  | { readonly kind: "textDate" }
  | { readonly kind: "enum"; readonly name: string; readonly values: readonly string[] };

export type OnDelete = "RESTRICT" | "SET NULL";

export interface ForeignKey {
  readonly table: string;
  readonly column: string;
  readonly onDelete?: OnDelete;
}

/**
 * A rule on a column's values beyond its type, checked on every input row (dbt's
 * `accepted_values`); `COLUMN_CHECKS` in checks.ts says what each one accepts.
 */
export type ColumnCheck = "iso4217";

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
  readonly unique?: boolean;
  readonly references?: ForeignKey;
  readonly check?: ColumnCheck;
}

export interface SourceTable {
  readonly name: string;
  readonly primaryKey: string;
  /** Columns in the live database's order. */
  readonly columns: readonly Column[];
}

/**
 * How a warehouse table is built and loaded: a `dim` is upserted on its natural id, guarded
 * by the source version it was built from; a `fact` appends each source version once; the
 * `calendar` (one per warehouse) is made by the pipeline itself, every day over the span the
 * facts' dates reach, and only ever gains the days it lacks.
 */
export type TargetKind = "dim" | "fact" | "calendar";

export interface TargetTable {
  readonly name: string;
  readonly kind: TargetKind;
  /** What one row means; stated once so tests and docs can quote it. */
  readonly grain: string;
  /** The id a dim is upserted on, the source id a fact versions, or the calendar's day. */
  readonly naturalKey: string;
  /** Facts only: the warehouse-assigned surrogate key. */
  readonly recordId?: string;
  /** Facts only: with naturalKey, identifies one version of a source row. */
  readonly versionKey?: readonly string[];
  /** Columns in warehouse order, the record id included. */
  readonly columns: readonly Column[];
  /** Source tables whose rows this table is built from. */
  readonly sources: readonly string[];
  /**
   * The calendar only: the days it may hold, both included (yyyy-mm-dd). A fact source row
   * with a date outside them is quarantined: one mistyped year (0001, 9999) must not make
   * the calendar millions of days long.
   */
  readonly span?: { readonly first: string; readonly last: string };
}
