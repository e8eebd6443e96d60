import { SOURCE_TABLES } from "../catalog/index.js";
import type { PoolClient } from "../db/pool.js";
import { DEFAULT_SOURCE_SCHEMA } from "../db/session-settings.js";
import { PipelineError } from "../errors.js";
import type { SourceIdentity } from "./state.js";

/** The source is not the database the cursors were taken from, or it went back in time. */
export class SourceChangedError extends PipelineError {
  constructor(readonly changes: readonly string[]) {
    super(
      `the source is not the one the extraction cursors came from: ${changes.join("; ")}. ` +
        "Nothing was extracted. If this is intended (a reset or restored source), run " +
        "`totes state reset` (or `--table T` for one table) and run again: every table is then " +
        "read in full, and facts gain no duplicate version.",
    );
  }
}

/**
 * Who the source is, read inside the extraction's snapshot. Works for a SELECT-only login.
 * The tables are exactly the relations the run reads (`schema.table`), whatever their kind
 * (a table, a partitioned table, a view, a materialized view): a relation replaced by
 * another of the same name has another oid.
 */
export async function readSourceIdentity(client: PoolClient, schema: string): Promise<SourceIdentity> {
  const { rows } = await client.query<{ database: string; oid: number }>(
    "SELECT current_database() AS database, oid::int AS oid FROM pg_database WHERE datname = current_database()",
  );
  const tables: Record<string, number> = {};
  const names = SOURCE_TABLES.map((t) => t.name);
  const found = await client.query<{ name: string; oid: number }>(
    `SELECT c.relname AS name, c.oid::int AS oid
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2)`,
    [schema, names],
  );
  for (const row of found.rows) tables[row.name] = row.oid;
  let systemIdentifier: string | undefined;
  // A savepoint: where the login may not read the control data, the snapshot goes on.
  await client.query("SAVEPOINT totes_identity");
  try {
    const control = await client.query<{ id: string }>(
      "SELECT system_identifier::text AS id FROM pg_control_system()",
    );
    systemIdentifier = control.rows[0]?.id;
    await client.query("RELEASE SAVEPOINT totes_identity");
  } catch {
    await client.query("ROLLBACK TO SAVEPOINT totes_identity");
  }
  return {
    ...(systemIdentifier ? { systemIdentifier } : {}),
    schema,
    database: rows[0]!.database,
    databaseOid: rows[0]!.oid,
    tables,
  };
}

/** What differs between the identity the cursors were taken from and the source now. */
export function identityChanges(
  before: SourceIdentity,
  now: SourceIdentity,
  cursorXmax: bigint | undefined,
  nowXmax: bigint,
): string[] {
  const changes: string[] = [];
  if (before.systemIdentifier && now.systemIdentifier && before.systemIdentifier !== now.systemIdentifier)
    changes.push(
      `another PostgreSQL cluster (system identifier ${before.systemIdentifier} → ${now.systemIdentifier})`,
    );
  if (before.database !== now.database || before.databaseOid !== now.databaseOid)
    changes.push(
      `another database (${before.database}, oid ${before.databaseOid} → ${now.database}, oid ${now.databaseOid})`,
    );
  // Cursors from another schema say nothing about this one's tables (state from before the
  // schema was recorded read `public`, the only schema the pipeline read then).
  const beforeSchema = before.schema ?? DEFAULT_SOURCE_SCHEMA;
  if (beforeSchema !== now.schema)
    changes.push(`another schema (${beforeSchema} → ${now.schema ?? DEFAULT_SOURCE_SCHEMA})`);
  else
    for (const [table, oid] of Object.entries(before.tables))
      if (now.tables[table] !== undefined && now.tables[table] !== oid)
        changes.push(`table ${table} was dropped and made again (oid ${oid} → ${now.tables[table]})`);
  if (cursorXmax !== undefined && nowXmax < cursorXmax)
    changes.push(`its transaction counter went back (${cursorXmax} → ${nowXmax}): restored from a backup?`);
  return changes;
}
