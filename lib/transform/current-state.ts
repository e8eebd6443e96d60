import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { TARGET_TABLES, sourceTable } from "../catalog/index.js";
import { quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { EPOCH_EXTRACTION, EXTRACTED_AT } from "../pipeline/extraction-order.js";
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

const MAX_ATTEMPTS = 8;

/**
 * Gives `name` the extraction time of its rows if it lacks one: a state stored before rows
 * carried it (or none at all) counts as older than every extraction.
 */
async function withExtractedAt(duck: DuckSession, name: string): Promise<void> {
  const present = await duck.rows<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM (DESCRIBE ${name}) WHERE column_name = ${quoteLiteral(EXTRACTED_AT)}`,
  );
  if (Number(present[0]?.n ?? 0) > 0) return;
  await duck.run(
    `ALTER TABLE ${name} ADD COLUMN ${EXTRACTED_AT} TIMESTAMP DEFAULT CAST(${quoteLiteral(EPOCH_EXTRACTION)} AS TIMESTAMP)`,
  );
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
    await withExtractedAt(duck, name);
    return undefined;
  }
  const file = path.join(workDir, `state-${table}-${name}.parquet`);
  await writeFile(file, found.body);
  await duck.run(`CREATE TABLE ${name} AS SELECT * FROM read_parquet(${quoteLiteral(file)})`);
  await withExtractedAt(duck, name);
  return found.etag;
}

/**
 * Merges the input's newest versions into the stored state and writes it back,
 * conditionally on the version read; a concurrent writer makes us re-read and retry.
 * Last writer wins per row by `last_updated`, then by when the row was extracted (a later
 * read of the same version is a correction; two reads from one extraction are one CSV's row,
 * so equal), so the merge commutes: any order of inputs gives the same state. Leaves the
 * merged state in DuckDB as `cur_<table>`.
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
           SELECT *, row_number() OVER (PARTITION BY ${pk} ORDER BY last_updated DESC, ${EXTRACTED_AT} DESC, _from_input) AS _rank
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
