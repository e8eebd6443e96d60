import type { SQSBatchResponse } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoadHandler } from "../runtime/lambda/load-handler.js";
import { createTransformHandler } from "../runtime/lambda/transform-handler.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { SOURCE_TABLES, TARGET_TABLES, loadedColumns } from "../lib/catalog/index.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { quoteIdent } from "../lib/db/identifiers.js";
import { extract } from "../lib/extract/extract.js";
import { parseIngestionKey } from "../lib/pipeline/keys.js";
import { initSource } from "../tools/source/init.js";
import { simulate } from "../tools/source/simulate.js";
import { localContext } from "../runtime/local/lambda/context.js";
import { freshDatabaseUrl, freshPool } from "./helpers/databases.js";
import { sqsEventFor } from "./helpers/events.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";
import { prng } from "./helpers/prng.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { TEST_PIPELINE } from "./helpers/pipeline.js";

/** Every warehouse table as sorted rows, record ids left out (they depend on load order by design). */
async function snapshot(warehouse: Pool): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of TARGET_TABLES) {
    const columns = loadedColumns(table).map((c) => quoteIdent(c.name));
    const { rows } = await warehouse.query(
      `SELECT ${columns.join(", ")} FROM ${quoteIdent(table.name)} ORDER BY ${columns.join(", ")}`,
    );
    tables[table.name] = rows;
  }
  return tables;
}

describe("convergence: any delivery order, with duplicates, gives the warehouse of in-order delivery", () => {
  let objects: TestObjectStore;
  let source: Pool;
  const history: string[][] = [];

  const pools: Pool[] = [];
  let lastWarehouse: Pool;
  let handlers: Record<"transform" | "load", ReturnType<typeof createLoadHandler>>;

  /** Builds the handlers over one processed bucket and warehouse, as their deployment would. */
  function configure(processedBucket: string, warehouseUrl: string) {
    const buckets = { store: objects.store, ingestionBucket: objects.ingestionBucket, processedBucket };
    const warehouse = createPool(warehouseUrl);
    pools.push(warehouse);
    lastWarehouse = warehouse;
    handlers = {
      transform: createTransformHandler({ buckets }),
      load: createLoadHandler({ buckets, warehouse: postgresWarehouse(warehouse), pipeline: TEST_PIPELINE }),
    };
  }

  async function deliver(stage: "transform" | "load", bucket: string, key: string) {
    const handler = handlers[stage];
    const response = (await handler(sqsEventFor(bucket, [key]), localContext(stage))) as SQSBatchResponse;
    expect(response.batchItemFailures, `${stage} of ${key}`).toEqual([]);
  }

  async function processedKeys(bucket: string): Promise<Set<string>> {
    const keys = new Set<string>();
    for await (const o of objects.store.list(bucket, "tables/")) keys.add(o.key);
    return keys;
  }

  beforeAll(async () => {
    objects = await startObjectStore();
    source = await freshPool("conv_src");
    await initSource(source);
    // A multi-run history: the sample, then two days of activity with dim changes in between.
    const runs = async () => {
      const result = await extract({
        source,
        store: objects.store,
        bucket: objects.ingestionBucket,
      });
      history.push(result.tables.flatMap((t) => (t.objectKey ? [t.objectKey] : [])));
    };
    await runs();
    await simulate(source, { days: 1, seed: 7 });
    await source.query(`
      UPDATE department SET location = 'Liverpool', last_updated = '2024-11-17 09:00:00.001' WHERE department_id = 6;
      UPDATE staff SET department_id = 6, last_updated = '2024-11-17 09:00:00.002' WHERE staff_id = 13;`);
    await runs();
    await source.query(`
      UPDATE address SET phone = '0161 000000', last_updated = '2024-11-17 10:00:00.001' WHERE address_id = 15;
      UPDATE department SET location = 'Leeds', last_updated = '2024-11-17 10:00:00.002' WHERE department_id = 6;
      -- Children moving while their old and new parents change, in the same run.
      UPDATE staff SET department_id = 8, last_updated = '2024-11-17 10:00:00.003' WHERE staff_id = 1;
      UPDATE department SET department_name = 'Purchasing (renamed)', last_updated = '2024-11-17 10:00:00.004' WHERE department_id = 2;
      UPDATE department SET location = 'Hull', last_updated = '2024-11-17 10:00:00.001' WHERE department_id = 8;
      UPDATE counterparty SET legal_address_id = 28, last_updated = '2024-11-17 10:00:00.003' WHERE counterparty_id = 1;
      UPDATE address SET city = 'Renamed', last_updated = '2024-11-17 10:00:00.004' WHERE address_id = 15;`);
    await simulate(source, { days: 1, seed: 8 });
    await runs();
  });
  afterAll(async () => {
    await Promise.all([objects.stop(), source.end(), ...pools.map((p) => p.end())]);
  });

  async function inOrder(): Promise<Record<string, unknown[]>> {
    const warehouseUrl = await freshDatabaseUrl("conv_ref");
    await objects.createBucket("processed-ref");
    configure("processed-ref", warehouseUrl);
    for (const run of history) {
      const before = await processedKeys("processed-ref");
      for (const key of run) await deliver("transform", objects.ingestionBucket, key);
      for (const key of await processedKeys("processed-ref"))
        if (!before.has(key)) await deliver("load", "processed-ref", key);
    }
    const warehouse = createPool(warehouseUrl);
    try {
      return await snapshot(warehouse);
    } finally {
      await warehouse.end();
    }
  }

  async function shuffled(seed: number): Promise<Record<string, unknown[]>> {
    const random = prng(seed);
    const bucket = `processed-${seed}`;
    const warehouseUrl = await freshDatabaseUrl(`conv_${seed}`);
    await objects.createBucket(bucket);
    configure(bucket, warehouseUrl);
    type Event = { stage: "transform" | "load"; key: string };
    const pending: Event[] = [];
    // At-least-once: every notification arrives once or twice.
    const enqueue = (event: Event) => {
      pending.push(event);
      if (random() < 0.4) pending.push(event);
    };
    for (const key of history.flat()) enqueue({ stage: "transform", key });
    const seen = new Set<string>();
    while (pending.length > 0) {
      const [event] = pending.splice(Math.floor(random() * pending.length), 1);
      await deliver(
        event!.stage,
        event!.stage === "transform" ? objects.ingestionBucket : bucket,
        event!.key,
      );
      if (event!.stage === "transform")
        for (const key of await processedKeys(bucket))
          if (!seen.has(key)) {
            seen.add(key);
            enqueue({ stage: "load", key });
          }
    }
    const warehouse = createPool(warehouseUrl);
    try {
      return await snapshot(warehouse);
    } finally {
      await warehouse.end();
    }
  }

  it("has a history touching every source table across several runs", () => {
    expect(history).toHaveLength(3);
    const tables = new Set(history.flat().map((k) => parseIngestionKey(k)?.table));
    expect(tables.size).toBe(SOURCE_TABLES.length);
    expect(history[1]!.length).toBeGreaterThan(3);
  });

  it("matches in-order delivery for several seeds, and in-order delivery matches the source", async () => {
    const expected = await inOrder();
    expect(expected.fact_sales_order!.length).toBeGreaterThan(11187);
    await expectDimsEqualSourceJoin(source, lastWarehouse);
    for (const seed of [1, 2, 3]) {
      const actual = await shuffled(seed);
      for (const table of TARGET_TABLES)
        expect(actual[table.name], `seed ${seed}: ${table.name}`).toEqual(expected[table.name]);
    }
    // Four full deliveries of a three-run history: minutes on a busy two-core machine.
  }, 300_000);
});
