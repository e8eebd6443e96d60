import { to as copyTo } from "pg-copy-streams";
import { SOURCE_TABLES, columnNames } from "../catalog/index.js";
import type { Pool, PoolClient } from "../db/pool.js";
import { DEFAULT_SOURCE_SCHEMA } from "../db/session-settings.js";
import { qualified, quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { ExtractError } from "../errors.js";
import { ingestionKey, runStamp } from "../pipeline/keys.js";
import { READ_ORDER, snapshotReadOrder } from "../pipeline/read-order.js";
import type { ObjectStore } from "../store/object-store.js";
import { DEFAULT_PART_BOUND, putCsvParts, type PartBound } from "./csv-parts.js";
import { parseXid8, xminBoundsStatement, xminCondition, xminTest } from "./cursor.js";
import { SourceChangedError, identityChanges, readSourceIdentity } from "./source-identity.js";
import { writeRunRecord, type ExtractTrigger } from "./runs.js";
import { readExtractState, writeExtractState, type TableMark } from "./state.js";

export { SourceChangedError } from "./source-identity.js";

export interface ExtractOptions {
  readonly source: Pool;
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly onTable?: (result: TableExtract) => void;
  /**
   * Tables to read in full this run whatever their cursors say (a backfill): every row the
   * snapshot sees, through the same objects, queues and stages. Other tables' cursors are
   * untouched: they read their changes as usual.
   */
  readonly fullTables?: readonly string[];
  /** The most one CSV holds before a window is written in parts (default DEFAULT_PART_BOUND). */
  readonly parts?: PartBound;
  /** The schema the source tables are read from (default `public`). */
  readonly schema?: string;
  /** What started the run, for its run record (default "schedule"). */
  readonly trigger?: ExtractTrigger;
  /**
   * How many tables are read at once, each on a connection of its own in the run's one
   * snapshot (default 2; never more than the pool's size). Change capture scans every row of a
   * table (no index serves `xmin`), so a run's time is its scans': two at once take about
   * half as long on a source with a core to spare, and put two scans' load on it.
   */
  readonly concurrency?: number;
}

/** Tables read at once by default (ExtractOptions.concurrency). */
export const DEFAULT_EXTRACT_CONCURRENCY = 2;

export interface TableExtract {
  readonly table: string;
  readonly rows: number;
  /** The first (usually the only) object written; absent when the window held no row. */
  readonly objectKey?: string;
  /** Every object written, in part order: one, or the parts of a window above the part bound. */
  readonly objectKeys: readonly string[];
  /** True when the table was read in full on request (backfill), not from its cursor. */
  readonly full: boolean;
  /**
   * The row versions read: those written by transactions from `from` (an xid8; null: the
   * whole table) up to the run's snapshot. `to` is the cursor the next run starts from.
   */
  readonly from: string | null;
  readonly to: string;
  readonly seconds: number;
}

export interface ExtractResult {
  readonly runAt: string;
  readonly tables: readonly TableExtract[];
  /** The run record's key (lib/extract/runs.ts). */
  readonly runKey: string;
}

const XMIN_SETTINGS = { lo: "totes.xmin_lo", hi: "totes.xmin_hi" };

/**
 * A table's changed rows, each ending with the snapshot's read order (lib/pipeline/read-order.ts):
 * the CSV itself says which commit order its rows belong to, wherever it is copied or replayed.
 */
function rowsQuery(
  table: (typeof SOURCE_TABLES)[number],
  schema: string,
  condition: string,
  readOrder: bigint,
): string {
  const columns = columnNames(table).map(quoteIdent).join(", ");
  return `SELECT ${columns}, CAST(${readOrder} AS bigint) AS ${READ_ORDER} FROM ${qualified(schema, table.name)} WHERE ${condition}`;
}

interface Snapshot {
  readonly runAt: Date;
  readonly xmin: bigint;
  readonly xmax: bigint;
  readonly readOrder: bigint;
}

async function takeSnapshot(client: PoolClient): Promise<Snapshot> {
  // The first statement of the transaction: its snapshot is the one every table is read in.
  const { rows } = await client.query<{ run_at: string; xmin: string; xmax: string; running: string }>(
    `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS run_at,
            pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
            pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
            (SELECT count(*) FROM pg_snapshot_xip(pg_current_snapshot()))::text AS running`,
  );
  const row = rows[0]!;
  const xmax = parseXid8(row.xmax);
  return {
    runAt: new Date(row.run_at),
    xmin: parseXid8(row.xmin),
    xmax,
    readOrder: snapshotReadOrder(xmax, Number(row.running)),
  };
}

/**
 * Reads every source table's changes since the last run, in one consistent snapshot, and
 * writes one immutable CSV per changed table. "Changed" is what the database committed, not
 * what `last_updated` says (see cursor.ts). Cursors are committed only after every CSV is
 * stored: a crash in between re-reads the same changes next time (later stages are
 * idempotent) and never skips a row. A source that is not the one the cursors came from
 * stops the run (SourceChangedError) before anything is read.
 */
export async function extract(options: ExtractOptions): Promise<ExtractResult> {
  const { source, store, bucket } = options;
  const schema = options.schema ?? DEFAULT_SOURCE_SCHEMA;
  const started = new Date();
  const startedAt = performance.now();
  const fullTables = new Set(options.fullTables ?? []);
  for (const name of fullTables)
    if (!SOURCE_TABLES.some((t) => t.name === name))
      throw new ExtractError(name, "not a source table: nothing to read in full");
  const { state, etag } = await readExtractState(store, bucket);
  const client = await source.connect();
  const helpers: PoolClient[] = [];
  const results: TableExtract[] = [];
  const marks: Record<string, TableMark> = { ...state.tables };
  let snapshot: Snapshot;
  let identity: Awaited<ReturnType<typeof readSourceIdentity>>;
  let failed = false;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    snapshot = await takeSnapshot(client);
    identity = await readSourceIdentity(client, schema);
    if (state.source) {
      const before = state.snapshot ? parseXid8(state.snapshot.xmax) : undefined;
      const changes = identityChanges(state.source, identity, before, snapshot.xmax);
      if (changes.length > 0) throw new SourceChangedError(changes);
    }
    const stamp = runStamp(snapshot.runAt);
    // More connections read other tables in the very same snapshot (as pg_dump -j does).
    const wanted = Math.min(
      options.concurrency ?? DEFAULT_EXTRACT_CONCURRENCY,
      source.options.max ?? 1,
      SOURCE_TABLES.length,
    );
    if (wanted > 1) {
      const { rows } = await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
      for (let i = 1; i < wanted; i++) {
        // A connection the source refuses (a login's connection limit) or that cannot take the
        // snapshot leaves the run to the connections it has: slower, never wrong.
        const helper = await source.connect().catch(() => undefined);
        if (!helper) break;
        try {
          await helper.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
          await helper.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(rows[0]!.id)}`);
          helpers.push(helper);
        } catch {
          helper.release(true);
          break;
        }
      }
    }
    const pending = [...SOURCE_TABLES];
    const read = new Map<string, TableExtract>();

    const readTable = async (reader: PoolClient, table: (typeof SOURCE_TABLES)[number]) => {
      const started = performance.now();
      const previous = state.tables[table.name];
      const full = fullTables.has(table.name);
      const from = full ? null : (previous?.since ?? null);
      try {
        const test = xminTest({ ...(from ? { since: parseXid8(from) } : {}), until: snapshot.xmax });
        const bounds = xminBoundsStatement(test, XMIN_SETTINGS);
        await reader.query(bounds.text, bounds.values);
        const sql = rowsQuery(table, schema, xminCondition(test, XMIN_SETTINGS), snapshot.readOrder);
        const copy = reader.query(copyTo(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
        const parts = await putCsvParts(
          store,
          bucket,
          (part) => ingestionKey(table.name, stamp, part),
          copy,
          options.parts ?? DEFAULT_PART_BOUND,
        );
        const objectKeys = parts.map((p) => p.key);
        const written = objectKeys[0];
        const rows = parts.reduce((n, p) => n + p.rows, 0);
        const seconds = (performance.now() - started) / 1000;
        const to = snapshot.xmin.toString();
        const result: TableExtract = {
          table: table.name,
          rows,
          ...(written ? { objectKey: written } : {}),
          objectKeys,
          full,
          from,
          to,
          seconds,
        };
        read.set(table.name, result);
        marks[table.name] = {
          since: to,
          ...(written
            ? { lastObjectKey: written, lastRows: rows, lastExtractedAt: snapshot.runAt.toISOString() }
            : {
                ...(previous?.lastObjectKey ? { lastObjectKey: previous.lastObjectKey } : {}),
                lastRows: previous?.lastRows ?? 0,
                lastExtractedAt: previous?.lastExtractedAt ?? snapshot.runAt.toISOString(),
              }),
        };
        options.onTable?.(result);
      } catch (error) {
        throw new ExtractError(table.name, error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
    };
    // Each connection takes the next table until none is left; the first failure stops the
    // others taking more, and the run fails once every connection has finished its table.
    const outcomes = await Promise.allSettled(
      [client, ...helpers].map(async (reader) => {
        for (let table = pending.shift(); table && !failed; table = pending.shift())
          await readTable(reader, table).catch((error: unknown) => {
            failed = true;
            throw error;
          });
      }),
    );
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) throw failure.reason;
    for (const table of SOURCE_TABLES) results.push(read.get(table.name)!);
    for (const reader of [client, ...helpers]) await reader.query("COMMIT");
  } catch (error) {
    failed = true;
    for (const reader of [client, ...helpers]) await reader.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    // A connection that failed mid-COPY is in no state to be reused.
    for (const reader of [client, ...helpers]) reader.release(failed);
  }

  const written = results.filter((r) => r.objectKey);
  const objects = written.reduce((n, r) => n + r.objectKeys.length, 0);
  // The cursors advance every run, changed or not, so the next scan's window stays short.
  await writeExtractState(
    store,
    bucket,
    {
      version: 2,
      source: identity,
      snapshot: {
        xmin: snapshot.xmin.toString(),
        xmax: snapshot.xmax.toString(),
        takenAt: snapshot.runAt.toISOString(),
      },
      tables: marks,
      // The last run that found changes; `snapshot.takenAt` says when the source was last read.
      ...(written.length > 0
        ? {
            lastRun: {
              runAt: snapshot.runAt.toISOString(),
              objects,
              rows: written.reduce((n, r) => n + r.rows, 0),
            },
          }
        : state.lastRun
          ? { lastRun: state.lastRun }
          : {}),
    },
    etag,
  );
  // After the cursors: a run record names only what a committed run produced.
  const runKey = await writeRunRecord(store, bucket, {
    runAt: snapshot.runAt.toISOString(),
    startedAt: started.toISOString(),
    seconds: (performance.now() - startedAt) / 1000,
    trigger: options.trigger ?? "schedule",
    tables: results.map((r) => ({
      table: r.table,
      from: r.from,
      to: r.to,
      full: r.full,
      rows: r.rows,
      objectKeys: r.objectKeys,
      seconds: r.seconds,
    })),
  });
  return { runAt: snapshot.runAt.toISOString(), tables: results, runKey };
}
