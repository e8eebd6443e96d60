import { s3Client } from "../../runtime/aws/clients.js";
import { createPool } from "../../lib/db/pool.js";
import { extract } from "../../lib/extract/extract.js";
import { loadObject } from "../../lib/load/load.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import { parseProcessedKey } from "../../lib/pipeline/keys.js";
import { ObjectStore } from "../../lib/store/object-store.js";
import type { BenchContext, Measured } from "./context.js";
import { startClock } from "./cpu.js";
import { RssSampler } from "./memory.js";

export const storeOf = (ctx: BenchContext) => new ObjectStore(s3Client(ctx.aws));

/** Every ingestion CSV the extract stage wrote (the run's objects), in extraction order. */
export async function ingestionKeys(ctx: BenchContext): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of storeOf(ctx).list(ctx.ingestionBucket)) if (o.key.endsWith(".csv")) keys.push(o.key);
  return keys;
}

/** Every processed Parquet object of the run: dims first, then facts, as a first load would go. */
export async function processedKeys(ctx: BenchContext): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of storeOf(ctx).list(ctx.processedBucket, "tables/")) keys.push(o.key);
  const rank = (key: string) => (parseProcessedKey(key)?.target.startsWith("dim_") ? 0 : 1);
  return keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Source → CSV objects, every table, through lib/extract as the extract handler calls it. */
export async function extractStage(ctx: BenchContext): Promise<Measured> {
  const source = createPool(ctx.sourceUrl, { max: 2 });
  const sampler = new RssSampler();
  const perTable: Record<string, { rows: number; seconds: number; peakRssMb: number }> = {};
  try {
    sampler.take();
    const clock = startClock();
    const result = await extract({
      source,
      store: storeOf(ctx),
      bucket: ctx.ingestionBucket,
      onTable: (t) => {
        perTable[t.table] = { rows: t.rows, seconds: round(t.seconds), peakRssMb: sampler.take() };
      },
    });
    return { rows: result.tables.reduce((n, t) => n + t.rows, 0), ...clock.stop(), detail: { perTable } };
  } finally {
    sampler.stop();
    await source.end();
  }
}

/** Every CSV of the run → star Parquet, one object after another, as the transform handler does. */
export async function transformStage(ctx: BenchContext): Promise<Measured> {
  // Imported here, not at the top: the other stages' children need not load DuckDB.
  const { transformObject } = await import("../../lib/transform/transform.js");
  const keys = await ingestionKeys(ctx);
  const buckets = {
    store: storeOf(ctx),
    ingestionBucket: ctx.ingestionBucket,
    processedBucket: ctx.processedBucket,
  };
  const sampler = new RssSampler();
  const perTable: Record<string, { rows: number; seconds: number; peakRssMb: number; outputs: number }> = {};
  let rows = 0;
  const clock = startClock();
  try {
    sampler.take();
    for (const key of keys) {
      const t0 = performance.now();
      const result = await transformObject(buckets, key);
      rows += result.rowsIn;
      perTable[result.table] = {
        rows: result.rowsIn,
        seconds: round((performance.now() - t0) / 1000),
        peakRssMb: sampler.take(),
        outputs: result.outputs.reduce((n, o) => n + o.rows, 0),
      };
    }
  } finally {
    sampler.stop();
  }
  return { rows, ...clock.stop(), detail: { perTable } };
}

/**
 * Every Parquet object of the run (or only `ctx.objectKeys`) into the (empty) warehouse, as the
 * load handler does, with the peak RSS while each object was loaded.
 */
export async function loadStage(ctx: BenchContext): Promise<Measured> {
  const keys = ctx.objectKeys ?? (await processedKeys(ctx));
  const store = storeOf(ctx);
  const sizes = new Map<string, number>();
  for await (const o of store.list(ctx.processedBucket, "tables/")) sizes.set(o.key, o.size);
  const warehouse = createPool(ctx.warehouseUrl, { max: 2 });
  const options = { store, bucket: ctx.processedBucket, warehouse: postgresWarehouse(warehouse) };
  const sampler = new RssSampler();
  const perTable: Record<string, { rows: number; seconds: number; peakRssMb: number }> = {};
  const perObject: { key: string; bytes: number; rows: number; seconds: number; peakRssMb: number }[] = [];
  let rows = 0;
  try {
    // Connected before the clock, as the anchor is (and a warm function's pool is): both
    // sides time the loading, not the logins.
    const opened = await Promise.all([warehouse.connect(), warehouse.connect()]);
    for (const client of opened) client.release();
    const clock = startClock();
    sampler.take();
    for (const key of keys) {
      const t0 = performance.now();
      // The size, as the object-created event the load handler is given names it.
      const result = await loadObject(options, key, { size: sizes.get(key) });
      const seconds = (performance.now() - t0) / 1000;
      const peakRssMb = sampler.take();
      rows += result.rowsIn;
      perObject.push({
        key,
        bytes: sizes.get(key) ?? 0,
        rows: result.rowsIn,
        seconds: round(seconds),
        peakRssMb,
      });
      const seen = perTable[result.table];
      perTable[result.table] = {
        rows: (seen?.rows ?? 0) + result.rowsIn,
        seconds: round((seen?.seconds ?? 0) + seconds),
        peakRssMb: Math.max(seen?.peakRssMb ?? 0, peakRssMb),
      };
    }
    return { rows, ...clock.stop(), detail: { perTable, perObject } };
  } finally {
    sampler.stop();
    await warehouse.end();
  }
}

export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
