import { to as copyTo } from "pg-copy-streams";
import { SOURCE_TABLES, columnNames } from "../catalog/index.js";
import type { Pool, PoolClient } from "../db/pool.js";
import { quoteIdent } from "../db/identifiers.js";
import { ExtractError } from "../errors.js";
import { ingestionKey, runStamp } from "../pipeline/keys.js";
import type { ObjectStore } from "../store/object-store.js";
import { readExtractState, writeExtractState, type TableMark } from "./state.js";

export interface ExtractOptions {
  readonly source: Pool;
  readonly store: ObjectStore;
  readonly bucket: string;
  /**
   * Rows stamped within this long before the snapshot's clock wait for the next run, so a
   * transaction that stamped `last_updated` but had not committed when the snapshot was
   * taken is not skipped. Default 5 s.
   */
  readonly settleMs?: number;
  readonly onTable?: (result: TableExtract) => void;
}

export interface TableExtract {
  readonly table: string;
  readonly rows: number;
  readonly objectKey?: string;
  /** The half-open window read: from <= last_updated < to. */
  readonly from: string | null;
  readonly to: string;
  readonly seconds: number;
}

export interface ExtractResult {
  readonly runAt: string;
  readonly tables: readonly TableExtract[];
}

const WINDOW_FROM = "totes.window_from";
const WINDOW_TO = "totes.window_to";

/**
 * The window bounds travel as session settings because COPY cannot take bind parameters;
 * the SQL text stays constant and the values never meet string formatting.
 */
function windowQuery(table: (typeof SOURCE_TABLES)[number], what: "max" | "rows"): string {
  // Each bound is a scalar subquery, evaluated once (an InitPlan): current_setting() is only
  // STABLE, and inline it would be called and parsed for every row (7× slower on 1.4M rows).
  const where =
    `last_updated >= (SELECT coalesce(nullif(current_setting('${WINDOW_FROM}'), '')::timestamp, '-infinity')) ` +
    `AND last_updated < (SELECT current_setting('${WINDOW_TO}')::timestamp)`;
  const name = quoteIdent(table.name);
  if (what === "max") return `SELECT max(last_updated)::text AS high FROM ${name} WHERE ${where}`;
  return `SELECT ${columnNames(table).map(quoteIdent).join(", ")} FROM ${name} WHERE ${where}`;
}

async function setWindow(client: PoolClient, from: string | null, to: string): Promise<void> {
  await client.query("SELECT set_config($1, $2, true), set_config($3, $4, true)", [
    WINDOW_FROM,
    from ?? "",
    WINDOW_TO,
    to,
  ]);
}

/**
 * Reads every source table's changes since the last run, in one consistent snapshot, and
 * writes one immutable CSV per changed table. High marks are committed only after every
 * CSV is stored: a crash in between re-extracts the same windows next time (later stages
 * are idempotent) and never skips a row.
 */
export async function extract(options: ExtractOptions): Promise<ExtractResult> {
  const { source, store, bucket } = options;
  const settle = `${Math.max(0, options.settleMs ?? 5000)} milliseconds`;
  const { state, etag } = await readExtractState(store, bucket);
  const client = await source.connect();
  const results: TableExtract[] = [];
  const marks: Record<string, TableMark> = { ...state.tables };
  let runAt: Date;
  let failed = false;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const clock = await client.query<{ run_at: string; cap: string }>(
      `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS run_at,
              (localtimestamp - $1::interval)::timestamp(3)::text AS cap`,
      [settle],
    );
    runAt = new Date(clock.rows[0]!.run_at);
    const cap = clock.rows[0]!.cap;
    const stamp = runStamp(runAt);

    for (const table of SOURCE_TABLES) {
      const started = performance.now();
      const from = state.tables[table.name]?.highMark ?? null;
      try {
        await setWindow(client, from, cap);
        const { rows } = await client.query<{ high: string | null }>(windowQuery(table, "max"));
        const high = rows[0]?.high;
        if (!high) {
          results.push({ table: table.name, rows: 0, from, to: cap, seconds: 0 });
          options.onTable?.(results.at(-1)!);
          continue;
        }
        // The window ends just after the newest row read: later rows, whatever their
        // stamp relative to any clock, are the next run's.
        const { rows: next } = await client.query<{ to: string }>(
          "SELECT ($1::timestamp + interval '1 millisecond')::timestamp(3)::text AS to",
          [high],
        );
        const to = next[0]!.to;
        await setWindow(client, from, to);
        const key = ingestionKey(table.name, stamp);
        const copy = client.query(
          copyTo(`COPY (${windowQuery(table, "rows")}) TO STDOUT WITH (FORMAT csv, HEADER true)`),
        );
        await store.putStream(bucket, key, copy, "text/csv");
        const count = copy.rowCount ?? 0;
        const seconds = (performance.now() - started) / 1000;
        const result = { table: table.name, rows: count, objectKey: key, from, to, seconds };
        results.push(result);
        marks[table.name] = {
          highMark: to,
          lastObjectKey: key,
          lastRows: count,
          lastExtractedAt: runAt.toISOString(),
        };
        options.onTable?.(result);
      } catch (error) {
        throw new ExtractError(table.name, error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
    }
    await client.query("COMMIT");
  } catch (error) {
    failed = true;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    // A connection that failed mid-COPY is in no state to be reused.
    client.release(failed);
  }

  const written = results.filter((r) => r.objectKey);
  if (written.length > 0) {
    await writeExtractState(
      store,
      bucket,
      {
        version: 1,
        tables: marks,
        lastRun: {
          runAt: runAt.toISOString(),
          objects: written.length,
          rows: written.reduce((n, r) => n + r.rows, 0),
        },
      },
      etag,
    );
  }
  return { runAt: runAt.toISOString(), tables: results };
}
