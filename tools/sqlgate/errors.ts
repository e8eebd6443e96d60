/** The Redshift grammar gate could not give a verdict (as opposed to a statement failing it). */
export class SqlGateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** sqlfluff is not installed where the gate looks (PATH), or its Python cannot import it. */
export class SqlGateUnavailableError extends SqlGateError {
  constructor(readonly reason: string) {
    super(`the Redshift grammar gate cannot run: ${reason} (install it: apt-get install -y sqlfluff)`);
  }
}

/** The gate's Python process failed; `stderr` is its last lines. */
export class SqlGateCrashedError extends SqlGateError {
  constructor(
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`the Redshift grammar gate failed (exit ${exitCode ?? "signal"}): ${stderr.trim()}`, options);
  }
}
