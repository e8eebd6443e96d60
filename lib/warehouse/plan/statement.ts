/**
 * A statement of a load's plan. Parameters are positional (`$1`, as Postgres takes them); a
 * backend that sends named parameters (Redshift's Data API) renames them on the way out
 * (lib/warehouse/redshift/positional.ts), so one planner serves both.
 */
export type SqlValue = string | number | boolean | null;

/** What a statement is for, in the order a load runs them. */
export type PlanStep = "lock" | "guard" | "stage" | "apply" | "versions" | "ledger";

export interface PlannedStatement {
  readonly sql: string;
  readonly params?: readonly SqlValue[];
  readonly step: PlanStep;
  /** Its row count is rows the load wrote into the table (the load's `rowsWritten`). */
  readonly writes?: boolean;
  /** Its row count is the rows the object brought (the load's `rowsIn`). */
  readonly reads?: boolean;
}

/** A statement as a dialect renders one operation, before the planner says which step it is. */
export interface Rendered {
  readonly sql: string;
  readonly params?: readonly SqlValue[];
  readonly writes?: boolean;
}

export const rendered = (sql: string, params?: readonly SqlValue[], writes?: boolean): Rendered => ({
  sql,
  ...(params ? { params } : {}),
  ...(writes ? { writes } : {}),
});
