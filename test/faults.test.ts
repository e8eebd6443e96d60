import type { SQSBatchResponse } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localContext } from "../runtime/local/lambda/context.js";
import { createLoadHandler } from "../runtime/lambda/load-handler.js";
import { createTransformHandler } from "../runtime/lambda/transform-handler.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { ExtractError } from "../lib/errors.js";
import { extract } from "../lib/extract/extract.js";
import { EXTRACT_STATE_KEY, readExtractState } from "../lib/extract/state.js";
import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { readQuarantineRecord } from "../lib/pipeline/quarantine.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { initSource } from "../tools/source/init.js";
import { transformObject } from "../lib/transform/transform.js";
import { freshDatabaseUrl, freshPool } from "./helpers/databases.js";
import { sqsEventFor } from "./helpers/events.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { TEST_PIPELINE } from "./helpers/pipeline.js";

const count = async (pool: Pool, table: string) =>
  Number((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

describe("faults: nothing lost, nothing duplicated", () => {
  let objects: TestObjectStore;
  let source: Pool;

  beforeAll(async () => {
    source = await freshPool("fault_src");
    await initSource(source);
  });
  beforeEach(async () => {
    await objects?.stop();
    objects = await startObjectStore();
  });
  afterAll(async () => {
    await Promise.all([objects.stop(), source.end()]);
  });

  const extractOnce = () => extract({ source, store: objects.store, bucket: objects.ingestionBucket });

  async function transformAndLoadAll(warehouse: Pool): Promise<void> {
    const csvs: string[] = [];
    for await (const o of objects.store.list(objects.ingestionBucket))
      if (o.key.endsWith(".csv")) csvs.push(o.key);
    for (const key of csvs) await transformObject(objects, key);
    const parquet: string[] = [];
    for await (const o of objects.store.list(objects.processedBucket, "tables/")) parquet.push(o.key);
    for (const key of parquet)
      await loadObject(
        { store: objects.store, bucket: objects.processedBucket, warehouse: postgresWarehouse(warehouse) },
        key,
      );
  }

  it("an object store write failure during extract fails loudly and commits no high mark", async () => {
    objects.refuseWrites(/\/payment\//);
    const error = await extractOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractError);
    expect(error).toMatchObject({ table: "payment" });
    expect(await objects.store.head(objects.ingestionBucket, EXTRACT_STATE_KEY)).toBeUndefined();
    objects.refuseWrites(undefined);
    const retry = await extractOnce();
    expect(retry.tables.find((t) => t.table === "payment")?.rows).toBe(15836);
  });

  it("a crash after the CSVs but before the high marks re-extracts the same windows, without duplicate facts", async () => {
    objects.refuseWrites(/_state\/extract\.json/);
    await expect(extractOnce()).rejects.toThrow();
    expect((await readExtractState(objects.store, objects.ingestionBucket)).state.tables).toEqual({});
    objects.refuseWrites(undefined);
    await new Promise((r) => setTimeout(r, 5)); // a later run gets a later stamp
    const second = await extractOnce();
    expect(second.tables.find((t) => t.table === "sales_order")?.rows).toBe(11187);

    // Both runs' CSVs were delivered: the crashed run's objects still raised their events.
    const warehouse = await freshPool("fault_crash_wh");
    await transformAndLoadAll(warehouse);
    expect(await count(warehouse, "fact_sales_order")).toBe(11187);
    expect(await count(warehouse, "fact_payment")).toBe(15836);
    expect(await count(warehouse, "dim_staff")).toBe(20);
    await warehouse.end();
  });

  it("poison inputs fail only their own messages (bad rows only quarantined); the rest of the batch goes through", async () => {
    const ts = "2024-11-16 10:00:00";
    const header = "currency_id,currency_code,created_at,last_updated";
    const bad = {
      unknownCurrency: `${header}\n9,XXX,${ts},${ts}\n`,
      malformedRow: `${header}\n9,GBP,${ts}\n`,
      schemaDrift: `${header},symbol\n9,GBP,${ts},${ts},£\n`,
      badTimestamp: `${header}\n9,GBP,yesterday,${ts}\n`,
    };
    const keys: string[] = [];
    let n = 0;
    for (const csv of [...Object.values(bad), `${header}\n5,EUR,${ts},${ts}\n`]) {
      const key = ingestionKey("currency", `20241116T${String(++n).padStart(9, "0")}Z`);
      await objects.store.putBytes(objects.ingestionBucket, key, csv);
      keys.push(key);
    }
    const warehouseUrl = await freshDatabaseUrl("fault_poison_wh");
    const warehouse = createPool(warehouseUrl);
    const transformHandler = createTransformHandler({ buckets: objects });
    const loadHandler = createLoadHandler({
      buckets: objects,
      warehouse: postgresWarehouse(warehouse),
      pipeline: TEST_PIPELINE,
    });
    const event = sqsEventFor(objects.ingestionBucket, keys);
    const response = (await transformHandler(event, localContext("transform"))) as SQSBatchResponse;
    // The unreadable objects fail; the bad rows (unknown code, bad timestamp) are set aside, their
    // files (one row each) go through with nothing left to write.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      [1, 2].map((i) => event.Records[i]!.messageId),
    );
    for (const i of [0, 3])
      expect(
        (await readQuarantineRecord(objects.store, objects.ingestionBucket, "currency", keys[i]!))?.rows,
      ).toHaveLength(1);

    // A truncated Parquet object beside a good one in the load batch.
    const good: string[] = [];
    for await (const o of objects.store.list(objects.processedBucket, "tables/")) good.push(o.key);
    expect(good).toHaveLength(1);
    const body = (await objects.store.getBytes(objects.processedBucket, good[0]!))!.body;
    const truncated = good[0]!.replace("20241116T000000005Z", "20241116T000000006Z");
    await objects.store.putBytes(objects.processedBucket, truncated, body.subarray(0, body.length / 2));
    const loadEvent = sqsEventFor(objects.processedBucket, [truncated, good[0]!]);
    const loaded = (await loadHandler(loadEvent, localContext("load"))) as SQSBatchResponse;
    expect(loaded.batchItemFailures).toEqual([{ itemIdentifier: loadEvent.Records[0]!.messageId }]);
    expect((await warehouse.query("SELECT currency_code FROM dim_currency")).rows).toEqual([
      { currency_code: "EUR" },
    ]);
    await warehouse.end();
  });

  it("concurrent loads of different tables, and of two versions of one dim, stay consistent", async () => {
    await extractOnce();
    const csvs: string[] = [];
    for await (const o of objects.store.list(objects.ingestionBucket))
      if (o.key.endsWith(".csv")) csvs.push(o.key);
    for (const key of csvs) await transformObject(objects, key);
    // Two later reads of department 6, both transformed; loaded below at the same time. Which
    // is newer is the reads' commit order (`_read_order`, above the extraction's own read).
    const header = "department_id,department_name,location,manager,created_at,last_updated,_read_order";
    const versions = [
      "2024-11-20 00:00:00.001,Liverpool,9000000000000002",
      "2024-11-19 00:00:00.001,Leeds,9000000000000001",
    ].map((v, i) => {
      const [lastUpdated, location, readOrder] = v.split(",");
      return {
        key: ingestionKey("department", `20241120T00000000${i}Z`),
        csv: `${header}\n6,Facilities,${location},Shelley Levene,2022-11-03 14:20:49.962,${lastUpdated},${readOrder}\n`,
      };
    });
    for (const v of versions) {
      await objects.store.putBytes(objects.ingestionBucket, v.key, v.csv);
      await transformObject(objects, v.key);
    }
    const parquet: string[] = [];
    for await (const o of objects.store.list(objects.processedBucket, "tables/")) parquet.push(o.key);

    const warehouse = await freshPool("fault_concurrent_wh");
    const load = (key: string) =>
      loadObject(
        { store: objects.store, bucket: objects.processedBucket, warehouse: postgresWarehouse(warehouse) },
        key,
      );
    // The schema is created once before the stampede, as the first load would.
    await load(parquet.find((k) => k.includes("dim_currency"))!);
    await Promise.all(parquet.map(load));
    expect(await count(warehouse, "fact_sales_order")).toBe(11187);
    expect(await count(warehouse, "fact_payment")).toBe(15836);
    const dispatch = await warehouse.query(
      "SELECT DISTINCT location FROM dim_staff WHERE department_name = 'Facilities'",
    );
    expect(dispatch.rows).toEqual([{ location: "Liverpool" }]);
    await warehouse.end();
  });
});

describe("faults: a handler killed mid-batch", () => {
  it("leaves nothing lost or duplicated once the pipeline runs again", async () => {
    const { spawn } = await import("node:child_process");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dataDir = await mkdtemp(path.join(tmpdir(), "totes-kill-"));
    const [sourceUrl, warehouseUrl] = await Promise.all([
      freshDatabaseUrl("kill_src"),
      freshDatabaseUrl("kill_wh"),
    ]);
    const source = createPool(sourceUrl);
    const warehouse = createPool(warehouseUrl);
    await initSource(source);
    const run = () =>
      spawn(
        process.execPath,
        ["bin/totes.mjs", "run", "--source", sourceUrl, "--warehouse", warehouseUrl, "--data-dir", dataDir],
        {
          stdio: "ignore",
        },
      );
    try {
      const first = run();
      const exited = new Promise((resolve) => first.once("exit", resolve));
      // Kill it (no clean-up, no state save) as soon as loads are under way.
      for (let i = 0; i < 600; i++) {
        const started = await warehouse
          .query("SELECT count(*)::int AS n FROM totes_meta.loaded_object")
          .then((r) => r.rows[0].n as number)
          .catch(() => 0);
        if (started > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      first.kill("SIGKILL");
      await exited;
      // It died part-way: not every one of the 14 star objects of the sample was loaded.
      expect(await count(warehouse, "totes_meta.loaded_object")).toBeLessThan(14);

      const second = run();
      const code = await new Promise((resolve) => second.once("exit", resolve));
      expect(code).toBe(0);
      expect(await count(warehouse, "fact_sales_order")).toBe(11187);
      expect(await count(warehouse, "fact_purchase_order")).toBe(4649);
      expect(await count(warehouse, "fact_payment")).toBe(15836);
      expect(await count(warehouse, "dim_staff")).toBe(20);
    } finally {
      await Promise.all([source.end(), warehouse.end()]);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
