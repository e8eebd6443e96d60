import type { RedshiftTarget } from "../warehouse/redshift-data-api.js";
import { BadDatabaseUrlError, redactUrl, type DatabaseRole } from "./errors.js";

/**
 * What a database setting (a flag, a variable, a secret) names, parsed once, here: a Postgres
 * server that pg reaches by URL, or a Redshift warehouse that the Data API reaches by name with
 * the caller's AWS credentials. A Redshift URL holds no secret, so it can be shown whole.
 */
export type DatabaseTarget =
  | { readonly engine: "postgres"; readonly url: string }
  | { readonly engine: "redshift"; readonly url: string; readonly redshift: RedshiftTarget };

export type DatabaseEngine = DatabaseTarget["engine"];

export const REDSHIFT_URL_FORMS =
  "redshift://workgroup/<name>/<database> or redshift://cluster/<id>/<database>";

const POSTGRES_SCHEMES = ["postgres:", "postgresql:"];

// Redshift's own naming rules, so a typo is refused here rather than by the Data API later.
const WORKGROUP = /^[a-z0-9-]{3,64}$/;
const CLUSTER = /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/;
/** The rule stacks/settings.ts applies to a stage's Redshift database. */
const DATABASE = /^[a-z_][a-z0-9_$]{0,126}$/;

/** A well-formed redshift:// URL where only Postgres is reached (a load, `warehouse init`, a pool). */
export class RedshiftUnreachedError extends BadDatabaseUrlError {
  constructor(role: DatabaseRole, setting: string, url: string) {
    super(
      role,
      setting,
      url,
      `URL ${url} is a Redshift warehouse: this takes a postgres:// or postgresql:// URL only`,
    );
  }
}

function redshiftTarget(role: DatabaseRole, setting: string, url: string, parsed: URL): DatabaseTarget {
  const refuse = (reason: string, echo = true) =>
    new BadDatabaseUrlError(role, setting, echo ? url : undefined, `URL ${reason}`);
  // Not echoed: whatever sits where a password would is not shown.
  if (parsed.username || parsed.password)
    throw refuse(
      "names no user or password after redshift://: the Data API signs in with your AWS credentials",
      false,
    );
  if (parsed.port || parsed.search || parsed.hash)
    throw refuse(`takes no port, ?query or #fragment: ${REDSHIFT_URL_FORMS}`, false);
  const kind = parsed.hostname.toLowerCase();
  const parts = parsed.pathname.split("/").slice(1);
  if ((kind !== "workgroup" && kind !== "cluster") || parts.length !== 2)
    throw refuse(`must be ${REDSHIFT_URL_FORMS}, not ${url}`);
  const [name = "", database = ""] = parts.map((p) => decodeURIComponent(p));
  if (kind === "workgroup" && !WORKGROUP.test(name))
    throw refuse(`names workgroup "${name}": 3 to 64 lower-case letters, digits and hyphens`);
  if (kind === "cluster" && !CLUSTER.test(name))
    throw refuse(
      `names cluster "${name}": a lower-case letter, then up to 62 letters, digits and single hyphens, not ending in one`,
    );
  if (!DATABASE.test(database))
    throw refuse(`names database "${database}": a lower-case letter or _, then letters, digits, _ or $`);
  return {
    engine: "redshift",
    url,
    redshift:
      kind === "workgroup" ? { workgroupName: name, database } : { clusterIdentifier: name, database },
  };
}

/**
 * The one parser of a database setting. `engines` are what the caller can reach: the source and
 * everything that opens a pg pool take Postgres only; the warehouse's read and claim commands
 * take Redshift too. Anything else (mysql://, a bare host name, a typo) is refused here, naming
 * the setting, before anything connects or starts, instead of reaching a driver that guesses.
 */
export function parseDatabaseUrl(
  role: DatabaseRole,
  setting: string,
  url: string,
  engines: readonly DatabaseEngine[] = ["postgres"],
): DatabaseTarget {
  const schemes = [
    "postgres://",
    "postgresql://",
    ...(engines.includes("redshift") ? ["redshift://"] : []),
  ].join(", ");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: an unparseable URL cannot be masked reliably and may hold a password.
    throw new BadDatabaseUrlError(
      role,
      setting,
      undefined,
      "URL does not parse: expected postgres://, then user, password, host, port and database" +
        (engines.includes("redshift") ? `, or ${REDSHIFT_URL_FORMS}` : ""),
    );
  }
  if (POSTGRES_SCHEMES.includes(parsed.protocol)) return { engine: "postgres", url };
  if (parsed.protocol === "redshift:") {
    const target = redshiftTarget(role, setting, url, parsed);
    if (engines.includes("redshift")) return target;
    throw new RedshiftUnreachedError(role, setting, url);
  }
  // Only the scheme is echoed: in a URL of another shape (`user:secret@host`) the password
  // is not where redactUrl looks for it.
  throw new BadDatabaseUrlError(
    role,
    setting,
    parsed.host ? redactUrl(url) : undefined,
    `URL must start with ${schemes.replace(/, ([^,]*)$/, " or $1")}, not ${parsed.protocol}//`,
  );
}

/** A Postgres URL, checked (what pg is given): `parseDatabaseUrl` taking Postgres only. */
export function checkDatabaseUrl(role: DatabaseRole, setting: string, url: string): string {
  return parseDatabaseUrl(role, setting, url).url;
}
