/**
 * What the Data API executor runs: a plan, an ordered list of statements executed atomically,
 * each with named parameters (`:name` in the SQL).
 */

/** A parameter's value; the Data API sends every value as a string and Redshift converts it. */
export type ParameterValue = string | number | boolean | null;

export interface PlanStatement {
  readonly sql: string;
  /** Values for the `:name` placeholders of this statement (keys without the colon). */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
}

export type Plan = readonly PlanStatement[];

/**
 * The Data API's limits (AWS: "Considerations when calling the Amazon Redshift Data API").
 * 100 KB per statement is taken as 100,000 UTF-8 bytes: the lower reading of "KB".
 */
export const DATA_API_LIMITS = {
  statementBytes: 100_000,
  batchStatements: 40,
} as const;
