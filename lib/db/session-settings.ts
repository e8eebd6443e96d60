/**
 * What the text of the data depends on, pinned in every session the pipeline opens, whatever
 * the database's or role's defaults say (`ALTER DATABASE … SET DateStyle = 'SQL, DMY'` would
 * otherwise change how every date is printed into a CSV, and a `search_path` which relation
 * an unqualified name reads). Sent in the startup packet, which outranks database and role
 * settings, so no statement can run before they hold.
 */
export const PINNED_SETTINGS: Readonly<Record<string, string>> = {
  DateStyle: "ISO, MDY",
  IntervalStyle: "postgres",
  TimeZone: "UTC",
  extra_float_digits: "1",
  client_encoding: "UTF8",
};

/** The schema the totesys tables are read from unless configured otherwise. */
export const DEFAULT_SOURCE_SCHEMA = "public";

/** The source schema an environment configures (`TOTES_SOURCE_SCHEMA`), else `public`. */
export const sourceSchemaFrom = (env: Readonly<Record<string, string | undefined>>): string =>
  env.TOTES_SOURCE_SCHEMA || DEFAULT_SOURCE_SCHEMA;

/** A schema name the pipeline can pin in `search_path` and quote without surprises. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export const isSchemaName = (name: string): boolean => SCHEMA_NAME.test(name);

/** `-c name=value` options for a startup packet (spaces escaped as libpq's `options` wants). */
export function startupOptions(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value.replaceAll("\\", "\\\\").replaceAll(" ", "\\ ")}`)
    .join(" ");
}

/**
 * Every pinned setting, and a `search_path` of `schema` then pg_catalog only: an unqualified
 * name (which the pipeline's SQL never relies on for data) finds nothing a database default
 * slipped in front of it.
 */
export const pinnedStartupOptions = (schema: string): string =>
  startupOptions({ ...PINNED_SETTINGS, search_path: `${schema}, pg_catalog` });
