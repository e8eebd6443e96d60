import { PipelineError } from "../../../lib/errors.js";

/**
 * The embedded server could not be prepared or started. The message is one paragraph an
 * operator can act on: what failed, where, the server's own last words, and what to do.
 */
export class EmbeddedPostgresError extends PipelineError {
  constructor(
    readonly step: string,
    readonly detail: string,
    readonly advice: string,
    options?: { cause?: unknown; serverLog?: readonly string[] },
  ) {
    const log = options?.serverLog?.length
      ? `\nLast lines of the server log:\n${options.serverLog.map((l) => `  ${l}`).join("\n")}`
      : "";
    super(`embedded PostgreSQL: could not ${step}: ${detail}.\nWhat to do: ${advice}.${log}`, options);
  }
}
