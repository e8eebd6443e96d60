import { PipelineError } from "../errors.js";

/** Which of the pipeline's two databases: every message about one names it. */
export type DatabaseRole = "source" | "warehouse";

/** A connection URL with its password masked, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "<unparseable connection URL>";
  }
}

/** The text with the URL's password masked wherever it appears (drivers may echo what they were given). */
function withoutPassword(text: string, url: string): string {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  if (!password) return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape: only the raw form can appear, and it is masked below.
  }
  return text.replaceAll(password, "****").replaceAll(decoded, "****");
}

/** A database setting that is not a URL this use can reach: refused before anything connects or starts. */
export class BadDatabaseUrlError extends PipelineError {
  constructor(
    readonly role: DatabaseRole,
    /** Where the URL came from: a flag (`--warehouse`) or a variable (`TOTES_WAREHOUSE_URL`). */
    readonly setting: string,
    /** The URL as given, password masked; undefined when it does not parse (it is not echoed then). */
    readonly redactedUrl: string | undefined,
    reason: string,
  ) {
    super(`${setting}: the ${role} database ${reason}`);
  }
}

/** A database that did not answer: which one, where (password masked), and the driver's reason as `cause`. */
export class DatabaseUnreachableError extends PipelineError {
  readonly redactedUrl: string;

  constructor(
    readonly role: DatabaseRole,
    url: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${role} (${redactUrl(url)}): ${withoutPassword(reason, url)}`, options);
    this.redactedUrl = redactUrl(url);
  }
}
