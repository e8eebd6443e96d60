import pg from "pg";
import { DatabaseUnreachableError, type DatabaseRole } from "./errors.js";
import { DEFAULT_SOURCE_SCHEMA, isSchemaName, pinnedStartupOptions } from "./session-settings.js";

export { redactUrl } from "./errors.js";

// Dates and times stay as the strings Postgres prints: a JS Date would add a time zone
// and drop sub-millisecond digits, and numeric already arrives as a string.
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DATE = 1082;
const TIME = 1083;
const INT8 = 20;
const rawTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP || oid === TIMESTAMPTZ || oid === DATE || oid === TIME) return (v: string) => v;
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  readonly max?: number;
  readonly applicationName?: string;
  /** The schema of the data this pool reads or writes, first in the pinned `search_path` (default `public`). */
  readonly schema?: string;
}

/**
 * A pool whose every session has the pinned settings (session-settings.ts): what a value
 * prints as and which relation a name finds never depend on the server's defaults.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const schema = options.schema ?? DEFAULT_SOURCE_SCHEMA;
  if (!isSchemaName(schema))
    throw new RangeError(`schema "${schema}" is not a plain SQL name (letters, digits, _ and $)`);
  const pool = new pg.Pool({
    connectionString: url,
    options: pinnedStartupOptions(schema),
    max: options.max ?? 4,
    types: rawTypes,
    application_name: options.applicationName ?? "totes-etl",
    connectionTimeoutMillis: 10_000,
  });
  // A server that goes away makes every client emit 'error'; one without a listener ends
  // the process. The pool listens on idle clients only and takes that listener off a client
  // it lends, so each client gets its own for life. The failure still reaches the caller:
  // pg rejects the query (or COPY stream) in flight, later queries are refused, and the
  // pool discards the broken client on release.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => void client.on("error", () => undefined));
  return pool;
}

export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  begin = "BEGIN",
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** One round trip, so a wrong or stopped database is reported, naming it, before any work starts. */
export async function assertReachable(pool: pg.Pool, role: DatabaseRole, url: string): Promise<void> {
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    throw new DatabaseUnreachableError(role, url, { cause: error });
  }
}
