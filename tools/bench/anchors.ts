import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { SOURCE_TABLES, columnNames, sqlType, targetTable } from "../../lib/catalog/index.js";
import { createPool } from "../../lib/db/pool.js";
import { quoteIdent, quoteLiteral } from "../../lib/db/identifiers.js";
import { parseProcessedKey } from "../../lib/pipeline/keys.js";
import { processedColumns } from "../../lib/pipeline/processed-columns.js";
import type { BenchContext, Measured } from "./context.js";
import { ANCHOR_BUCKET } from "./context.js";
import { startClock } from "./cpu.js";
import { ingestionKeys, processedKeys, round, storeOf } from "./stages.js";

/**
 * Extract's anchor: the same bytes to the same store. `COPY (SELECT <the catalog's columns> FROM t)
 * TO STDOUT` of every table, in one snapshot, streamed into one object per table in the same
 * (in-process S3) store the stage writes to, through the same `putStream`. The stage reads the
 * same columns in the same order (a first run's cursor test is `true`), so both write identical
 * CSV; the ratio is what extraction adds (state, identity, cursors, header hold-back), not the
 * cost of moving the bytes.
 */
export async function extractAnchor(ctx: BenchContext): Promise<Measured> {
  const pool = createPool(ctx.sourceUrl, { max: 1 });
  const store = storeOf(ctx);
  const perTable: Record<string, number> = {};
  try {
    let rows = 0;
    const clock = startClock();
    const client = await pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      for (const table of SOURCE_TABLES) {
        const t0 = performance.now();
        const columns = columnNames(table).map(quoteIdent).join(", ");
        const copy = client.query(
          copyTo(
            `COPY (SELECT ${columns} FROM ${quoteIdent(table.name)}) TO STDOUT WITH (FORMAT csv, HEADER true)`,
          ),
        );
        await store.putStream(ANCHOR_BUCKET, `extract/${table.name}.csv`, copy, "text/csv");
        rows += copy.rowCount ?? 0;
        perTable[table.name] = round((performance.now() - t0) / 1000);
      }
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    return { rows, ...clock.stop(), detail: { perTable } };
  } finally {
    await pool.end();
  }
}

/**
 * Transform's anchor: for every CSV of the run, the same fetch from the store, DuckDB reading
 * it and writing it to Parquet with no transformation (types auto-detected), and the same put.
 */
export async function transformAnchor(ctx: BenchContext): Promise<Measured> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const store = storeOf(ctx);
  const dir = path.join(ctx.workDir, "transform-anchor");
  await mkdir(dir, { recursive: true });
  let rows = 0;
  const perTable: Record<string, number> = {};
  const keys = await ingestionKeys(ctx);
  const clock = startClock();
  for (const [i, key] of keys.entries()) {
    const t0 = performance.now();
    const csv = path.join(dir, `${i}.csv`);
    const parquet = path.join(dir, `${i}.parquet`);
    await store.getFile(ctx.ingestionBucket, key, csv);
    const instance = await DuckDBInstance.create(":memory:", { temp_directory: dir });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `COPY (SELECT * FROM read_csv(${quoteLiteral(csv)}, header = true))
           TO ${quoteLiteral(parquet)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      rows += Number(reader.getRows()[0]?.[0] ?? 0);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    await store.putFile(ANCHOR_BUCKET, `transform/${i}.parquet`, parquet, "application/vnd.apache.parquet");
    await rm(csv);
    await rm(parquet);
    perTable[key.split("/")[0]!] = round((performance.now() - t0) / 1000);
  }
  return { rows, ...clock.stop(), detail: { perTable } };
}

interface LoadAnchorInput {
  table: string;
  file: string;
  columns: string[];
}

const manifestFile = (ctx: BenchContext) => path.join(ctx.workDir, "load-anchor", "manifest.json");

/** Not timed: the rows of every processed Parquet object, as CSV files, for load's anchor. */
export async function prepareLoadAnchor(ctx: BenchContext): Promise<Measured> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const store = storeOf(ctx);
  const dir = path.dirname(manifestFile(ctx));
  await mkdir(dir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:", { temp_directory: dir });
  const connection = await instance.connect();
  const inputs: LoadAnchorInput[] = [];
  try {
    for (const [i, key] of (await processedKeys(ctx)).entries()) {
      const parquet = path.join(dir, `${i}.parquet`);
      const csv = path.join(dir, `${i}.csv`);
      await store.getFile(ctx.processedBucket, key, parquet);
      await connection.run(
        `COPY (SELECT * FROM read_parquet(${quoteLiteral(parquet)})) TO ${quoteLiteral(csv)} (FORMAT csv, HEADER false)`,
      );
      const described = await connection.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(parquet)})`,
      );
      const columns = described.getRowObjectsJson().map((r) => String(r.column_name));
      await rm(parquet);
      inputs.push({ table: parseProcessedKey(key)!.target, file: csv, columns });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await writeFile(manifestFile(ctx), JSON.stringify(inputs));
  return { rows: 0, seconds: 0 };
}

/** The warehouse column types of a target's staged rows (as lib/load stages them). */
function stagedTypes(name: string): Map<string, string> {
  const table = targetTable(name);
  return new Map(processedColumns(table).map((c) => [c.name, sqlType(c.type)]));
}

/** Load's anchor: `COPY FROM STDIN` of the same rows, as CSV, into an empty table each. */
export async function loadAnchor(ctx: BenchContext): Promise<Measured> {
  const inputs = JSON.parse(await readFile(manifestFile(ctx), "utf8")) as LoadAnchorInput[];
  const pool = createPool(ctx.warehouseUrl, { max: 1 });
  const client = await pool.connect();
  const schema = "bench_anchor";
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    let rows = 0;
    const perTable: Record<string, number> = {};
    const clock = startClock();
    for (const [i, input] of inputs.entries()) {
      const t0 = performance.now();
      const types = stagedTypes(input.table);
      const columns = input.columns;
      const name = `${schema}.${quoteIdent(`${input.table}_${i}`)}`;
      await client.query(
        `CREATE TABLE ${name} (${columns.map((c) => `${quoteIdent(c)} ${types.get(c) ?? "text"}`).join(", ")})`,
      );
      const copy = client.query(
        copyFrom(`COPY ${name} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FORMAT csv)`),
      );
      await pipeline(createReadStream(input.file), copy);
      rows += copy.rowCount ?? 0;
      perTable[input.table] = round((perTable[input.table] ?? 0) + (performance.now() - t0) / 1000);
    }
    const measured = clock.stop();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    return { rows, ...measured, detail: { perTable } };
  } finally {
    client.release();
    await pool.end();
  }
}
