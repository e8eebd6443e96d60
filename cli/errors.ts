/**
 * A refusal the CLI prints as one `totes: …` line and, on a second line, the one command
 * that helps. Commands throw it where the next step is known.
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** What to do next, ideally one command (`npx totes source init`). */
    readonly next?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** The error, or one it was caused by, that is lib/extract's SourceChangedError (matched by name: nothing heavy is imported here). */
function sourceChanged(error: unknown): { changes: readonly string[] } | undefined {
  for (let e = error; e instanceof Error; e = e.cause)
    if (e.name === "SourceChangedError" && Array.isArray((e as { changes?: unknown }).changes))
      return e as Error & { changes: readonly string[] };
  return undefined;
}

/** An error as the CLI prints it: `totes: <message>`, then the next step if one is known. */
export function formatError(error: unknown): string {
  const changed = sourceChanged(error);
  if (changed) {
    const [first, ...more] = changed.changes;
    return [
      `totes: the source is not the one this data dir's cursors came from (${first}${more.length ? ` and ${more.length} more` : ""}); nothing was extracted`,
      "if that is intended (a reset or restored source): npx totes state reset, then npx totes run",
    ].join("\n");
  }
  const message = error instanceof Error ? error.message : String(error);
  const next = error instanceof CliError ? error.next : undefined;
  return `totes: ${message}${next ? `\n${next}` : ""}`;
}
