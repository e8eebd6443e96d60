import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { loadedColumns, sqlType, targetTable } from "../catalog/index.js";
import type { TargetTable } from "../catalog/index.js";
import type { Pool, PoolClient } from "../db/pool.js";
import { copyCsvLine } from "../db/copy-csv.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import { BadObjectError, LoadError } from "../errors.js";
import { calendarRange } from "../model/calendar.js";
import { DIM_VERSION_COLUMNS, isVersionedDim } from "../pipeline/dim-versions.js";
import { parseProcessedKey } from "../pipeline/keys.js";
import type { ObjectStore } from "../store/object-store.js";
import { DEFAULT_SCHEMAS, ensureWarehouse, type WarehouseSchemas } from "../warehouse/schema.js";
import { STAGE, dimMerge, dimDropStale, dimVersionMerge, factInsert, insertMissing } from "./merge-sql.js";
import { openParquet, type CopyValue, type ParquetRows } from "./parquet-rows.js";

export interface LoadOptions {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly warehouse: Pool;
  readonly schemas?: WarehouseSchemas;
}

export interface LoadResult {
  readonly table: string;
  readonly objectKey: string;
  readonly rowsIn: number;
  /** Rows inserted or updated; 0 for a repeat or an older version. */
  readonly rowsWritten: number;
  /** True when the ledger shows this exact object was loaded before. */
  readonly alreadyLoaded: boolean;
}

function stagedColumns(table: TargetTable): { name: string; type: string }[] {
  const columns = loadedColumns(table).map((c) => ({ name: c.name, type: sqlType(c.type) }));
  if (isVersionedDim(table))
    columns.push(...DIM_VERSION_COLUMNS.map((name) => ({ name, type: "timestamp(3)" })));
  return columns;
}

async function* csvChunks(chunks: AsyncIterable<CopyValue[][]>): AsyncGenerator<string> {
  for await (const rows of chunks) {
    let text = "";
    for (const row of rows) text += copyCsvLine(row);
    yield text;
  }
}

async function copyIntoStage(
  client: PoolClient,
  columns: readonly string[],
  rows: AsyncIterable<CopyValue[][]>,
) {
  const sql = `COPY ${STAGE} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FORMAT csv)`;
  await pipeline(Readable.from(csvChunks(rows)), client.query(copyFrom(sql)));
}

/** Stages the whole calendar span of the table and this object, so dim_date stays contiguous. */
async function stageCalendarGaps(client: PoolClient, table: TargetTable, schemas: WarehouseSchemas) {
  const { rows } = await client.query<{ first: string | null; last: string | null }>(
    `SELECT min(d)::text AS first, max(d)::text AS last FROM (
       SELECT date_id AS d FROM ${STAGE} UNION ALL SELECT date_id FROM ${qualified(schemas.stars, table.name)}) x`,
  );
  const span = rows[0];
  if (!span?.first || !span.last) return;
  const names = loadedColumns(table).map((c) => c.name);
  const days = calendarRange(span.first, span.last).map((day) =>
    names.map((n) => String(day[n as keyof typeof day])),
  );
  await copyIntoStage(
    client,
    names,
    (async function* () {
      yield days;
    })(),
  );
}

async function alreadyLoaded(pool: Pool, schemas: WarehouseSchemas, key: string, etag?: string) {
  const { rows } = await pool.query<{ etag: string | null }>(
    `SELECT etag FROM ${qualified(schemas.meta, "loaded_object")} WHERE object_key = $1`,
    [key],
  );
  return rows.length > 0 && (etag === undefined || rows[0]!.etag === etag);
}

/**
 * Loads one processed Parquet object into its warehouse table, in one transaction.
 * Idempotent and order-insensitive: facts add each source version once; dims take a row
 * only if it is newer than the version the warehouse holds.
 */
export async function loadObject(options: LoadOptions, key: string): Promise<LoadResult> {
  const schemas = options.schemas ?? DEFAULT_SCHEMAS;
  const parsed = parseProcessedKey(key);
  if (!parsed)
    throw new BadObjectError(
      "unknown",
      key,
      "not a processed key (tables/{table}/…/{source}-{stamp}.parquet)",
    );
  const table = targetTable(parsed.target);
  await ensureWarehouse(options.warehouse, schemas);

  const object = await options.store.getBytes(options.bucket, key);
  if (!object) throw new LoadError(table.name, key, "object not found");
  if (await alreadyLoaded(options.warehouse, schemas, key, object.etag))
    return { table: table.name, objectKey: key, rowsIn: 0, rowsWritten: 0, alreadyLoaded: true };

  let parquet: ParquetRows;
  try {
    parquet = openParquet(object.body);
  } catch (error) {
    throw new BadObjectError(table.name, key, `not a readable Parquet file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const staged = stagedColumns(table);
  const missing = staged.map((c) => c.name).filter((c) => !parquet.columns.includes(c));
  if (missing.length)
    throw new BadObjectError(table.name, key, `Parquet lacks columns ${missing.join(", ")}`);

  const client = await options.warehouse.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    // Loads of one table serialise; different tables load in parallel.
    await client.query(`LOCK TABLE ${qualified(schemas.stars, table.name)} IN SHARE ROW EXCLUSIVE MODE`);
    await client.query(
      `CREATE TEMP TABLE ${STAGE} (${staged.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")}) ON COMMIT DROP`,
    );
    await copyIntoStage(client, parquet.columns, parquet.chunks());
    let written: number;
    if (table.kind === "fact") {
      written = (await client.query(factInsert(table, schemas))).rowCount ?? 0;
    } else if (!isVersionedDim(table)) {
      await stageCalendarGaps(client, table, schemas);
      written = (await client.query(insertMissing(table, schemas))).rowCount ?? 0;
    } else {
      await client.query(dimDropStale(table, schemas), [table.name]);
      written = (await client.query(dimMerge(table, schemas))).rowCount ?? 0;
      await client.query(dimVersionMerge(table, schemas), [table.name]);
    }
    await client.query(
      `MERGE INTO ${qualified(schemas.meta, "loaded_object")} l
        USING (SELECT $1::text AS object_key) n ON l.object_key = n.object_key
        WHEN MATCHED THEN UPDATE SET etag = $2, rows_in = $4, rows_written = $5, loaded_at = now()
        WHEN NOT MATCHED THEN INSERT (object_key, etag, table_name, rows_in, rows_written) VALUES ($1, $2, $3, $4, $5)`,
      [key, object.etag ?? null, table.name, parquet.rowCount, written],
    );
    await client.query("COMMIT");
    return {
      table: table.name,
      objectKey: key,
      rowsIn: parquet.rowCount,
      rowsWritten: written,
      alreadyLoaded: false,
    };
  } catch (error) {
    broken = true;
    await client.query("ROLLBACK").catch(() => undefined);
    if (error instanceof BadObjectError) throw error;
    throw new LoadError(table.name, key, (error as Error).message, { cause: error });
  } finally {
    client.release(broken);
  }
}
