import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { TARGET_TABLES, sourceTable } from "../catalog/index.js";
import { quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { LEGACY_BASE, READ_ORDER, legacyReadOrderSql } from "../pipeline/read-order.js";
import { STATE_PREFIX } from "../pipeline/keys.js";
import { PreconditionFailedError, type ObjectStore } from "../store/object-store.js";
import type { DuckSession } from "./duckdb-session.js";
import { emptyTypedTable } from "./staging.js";

/**
 * Source tables that some dim joins with another: a CSV holds only deltas, so the
 * transform keeps their compacted current state (newest version of every row) in the
 * processed bucket to complete the join.
 */
export const STATEFUL_SOURCES: ReadonlySet<string> = new Set(
  TARGET_TABLES
    // The calendar lists the fact sources too, but it is not a join: its kind is not "dim".
    .filter((t) => t.kind === "dim" && t.sources.length > 1)
    .flatMap((t) => [...t.sources]),
);

export const currentStateKey = (table: string) => `${STATE_PREFIX}current/${table}.parquet`;

/** What a state written before read orders ordered its rows by: when each was extracted. */
const LEGACY_EXTRACTED_AT = "_extracted_at";

const MAX_ATTEMPTS = 8;

/**
 * Gives `name` the read order of its rows if it lacks one (a state stored by an earlier
 * version): from the extraction time each row carried then, below every snapshot's read
 * order (read-order.ts); a state older still, with neither, counts as read before anything.
 * The upgrade happens in place: the next merge writes the state back with read orders.
 */
async function withReadOrder(duck: DuckSession, name: string): Promise<void> {
  const columns = new Set(
    (await duck.rows<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE ${name})`)).map(
      (c) => c.column_name,
    ),
  );
  if (columns.has(READ_ORDER)) return;
  const legacy = columns.has(LEGACY_EXTRACTED_AT)
    ? legacyReadOrderSql(LEGACY_EXTRACTED_AT)
    : `CAST(${LEGACY_BASE} AS BIGINT)`;
  await duck.run(`ALTER TABLE ${name} ADD COLUMN ${READ_ORDER} BIGINT`);
  await duck.run(`UPDATE ${name} SET ${READ_ORDER} = ${legacy}`);
  if (columns.has(LEGACY_EXTRACTED_AT))
    await duck.run(`ALTER TABLE ${name} DROP COLUMN ${LEGACY_EXTRACTED_AT}`);
}

/** Loads a table's stored state into DuckDB as `name`; returns the ETag it was read at. */
export async function readCurrentState(
  duck: DuckSession,
  store: ObjectStore,
  bucket: string,
  table: string,
  name: string,
  workDir: string,
): Promise<string | undefined> {
  const found = await store.getBytes(bucket, currentStateKey(table));
  await duck.run(`DROP TABLE IF EXISTS ${name}`);
  if (!found) {
    await duck.run(emptyTypedTable(sourceTable(table), name));
    await withReadOrder(duck, name);
    return undefined;
  }
  const file = path.join(workDir, `state-${table}-${name}.parquet`);
  await writeFile(file, found.body);
  await duck.run(`CREATE TABLE ${name} AS SELECT * FROM read_parquet(${quoteLiteral(file)})`);
  await withReadOrder(duck, name);
  return found.etag;
}

/**
 * Merges the input's newest versions into the stored state and writes it back,
 * conditionally on the version read; a concurrent writer makes us re-read and retry.
 * The latest read wins per row (read-order.ts: commit order, never `last_updated`; two rows
 * of one read are one CSV's row, so equal), so the merge commutes: any order of inputs gives
 * the same state. Leaves the merged state in DuckDB as `cur_<table>`.
 */
export async function mergeCurrentState(
  duck: DuckSession,
  store: ObjectStore,
  bucket: string,
  table: string,
  latest: string,
  workDir: string,
): Promise<void> {
  const pk = quoteIdent(sourceTable(table).primaryKey);
  const current = `cur_${table}`;
  for (let attempt = 1; ; attempt++) {
    const stored = `stored_${table}`;
    const etag = await readCurrentState(duck, store, bucket, table, stored, workDir);
    await duck.run(`DROP TABLE IF EXISTS ${current}`);
    await duck.run(
      `CREATE TABLE ${current} AS
         SELECT * EXCLUDE (_from_input, _rank) FROM (
           SELECT *, row_number() OVER (PARTITION BY ${pk} ORDER BY ${READ_ORDER} DESC, _from_input) AS _rank
             FROM (SELECT *, 0 AS _from_input FROM ${stored} UNION ALL BY NAME SELECT *, 1 AS _from_input FROM ${latest}))
          WHERE _rank = 1`,
    );
    const changed = await duck.count(`(SELECT * FROM ${current} EXCEPT SELECT * FROM ${stored}) AS changed`);
    if (changed === 0) return;
    const file = path.join(workDir, `state-${table}-merged-${attempt}.parquet`);
    await duck.run(
      `COPY (SELECT * FROM ${current} ORDER BY ${pk}) TO ${quoteLiteral(file)} (FORMAT parquet)`,
    );
    try {
      await store.putBytes(bucket, currentStateKey(table), await readFile(file), {
        contentType: "application/vnd.apache.parquet",
        ...(etag ? { ifMatch: etag } : { ifNoneMatch: true }),
      });
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}
