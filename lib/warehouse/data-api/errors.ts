import { PipelineError } from "../../errors.js";

// Errors of the Redshift Data API executor (../redshift-data-api.ts). None carries a parameter's
// value: values may be source data, and messages reach logs. SQL text is kept short (`excerpt`).

/** The first `max` characters of a statement, on one line, for messages. */
export function excerpt(sql: string, max = 160): string {
  const line = sql.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A plan or query the Data API would refuse, refused before anything is sent. */
export class DataApiPlanError extends PipelineError {
  constructor(
    /** Position in the plan, from 0; undefined when the plan as a whole is at fault. */
    readonly statementIndex: number | undefined,
    readonly sql: string | undefined,
    readonly reason: string,
  ) {
    super(
      statementIndex === undefined
        ? `Data API plan refused: ${reason}`
        : `Data API plan refused at statement ${statementIndex} (${excerpt(sql ?? "")}): ${reason}`,
    );
  }
}

/** A statement (or batch) that ended FAILED or ABORTED on Redshift. */
export class DataApiStatementError extends PipelineError {
  constructor(
    /** The Data API's statement id (of the batch, for a plan). */
    readonly statementId: string,
    readonly status: "FAILED" | "ABORTED",
    /** The failing statement's position in the plan, from 0, when Redshift says which. */
    readonly statementIndex: number | undefined,
    /** The failing statement's text, when known. */
    readonly sql: string | undefined,
    /** Redshift's error message, e.g. `ERROR: column "x" does not exist`. */
    readonly redshiftError: string,
    /** How many times the whole batch was sent. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    const where = statementIndex === undefined ? "" : ` at statement ${statementIndex}`;
    const what = sql ? ` (${excerpt(sql)})` : "";
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    super(`Data API ${status}${where}${what}${tries}: ${redshiftError || "no error given"}`, options);
  }
}

/**
 * Error 1023, "Serializable isolation violation", on every attempt: concurrent transactions kept
 * conflicting on the tables this plan writes. Retrying later is safe (the batch rolled back whole).
 */
export class SerializableIsolationError extends DataApiStatementError {}

/** Waiting for a statement ended because the caller's AbortSignal fired (e.g. Ctrl-C). */
export class DataApiAbortError extends PipelineError {
  constructor(
    readonly statementId: string | undefined,
    /** Whether CancelStatement was accepted; a batch cancelled mid-way rolls back whole. */
    readonly cancelled: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `Data API wait aborted${statementId ? ` for statement ${statementId}` : " before sending"}` +
        (statementId ? (cancelled ? "; the statement was cancelled" : "; the statement may still run") : ""),
      options,
    );
  }
}

/** A result value this executor will not convert without losing it (e.g. a long beyond 2^53). */
export class DataApiResultError extends PipelineError {
  constructor(
    readonly statementId: string,
    readonly column: string,
    readonly row: number,
    message: string,
  ) {
    super(`Data API result of ${statementId}, row ${row}, column ${column}: ${message}`);
  }
}
