import { PipelineError } from "../errors.js";

/** Verify could not compare a table (not: the table differs, which is a report, not an error). */
export class VerifyError extends PipelineError {
  constructor(
    readonly table: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`verify ${table}: ${message}`, options);
  }
}
