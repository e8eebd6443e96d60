import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { extract } from "../lib/extract/extract.js";
import { loadObject } from "../lib/load/load.js";
import type { Buckets } from "../lib/pipeline/location.js";
import { transformObject } from "../lib/transform/transform.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { initSource } from "../tools/source/init.js";
import { freshPool } from "./helpers/databases.js";
import { TEST_PIPELINE } from "./helpers/pipeline.js";
import { prng } from "./helpers/prng.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";
import { writerHistory } from "./helpers/writers.js";

/*
 * Issue 22: versions follow commit order whatever `last_updated` a writer stamps. Writers stamp
 * past, future, equal and backwards values (or none) in short transactions and in long ones
 * that stay open across runs; some runs are backfills; every run's objects are transformed and
 * loaded shuffled, some twice. After every run the warehouse equals what the source committed.
 */

/** A `last_updated` a writer might stamp: now, the past, the far future, backwards, or none at all. */
function stamp(random: () => number): string {
  const r = random();
  if (r < 0.2) return ", last_updated = now()";
  if (r < 0.4)
    return `, last_updated = TIMESTAMP '2020-01-01' + interval '${Math.floor(random() * 1000)} days'`;
  if (r < 0.55) return ", last_updated = TIMESTAMP '2099-12-31 23:59:59.999'";
  if (r < 0.7) return ", last_updated = last_updated - interval '1 day'";
  if (r < 0.8) return ", last_updated = TIMESTAMP '2024-11-15 09:00:00'";
  return "";
}

/** One transaction's edits; a long writer (`lane` ≥ 0) keeps to rows of its own so it never blocks another. */
function edits(random: () => number, lane = -1): string[] {
  const pick = (n: number) => 1 + Math.floor(random() * n);
  const id = (n: number, base: number) => (lane < 0 ? pick(n) : base + lane * 10 + pick(9));
  return Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    switch (Math.floor(random() * (lane < 0 ? 6 : 3))) {
      case 0:
        return `UPDATE sales_order SET units_sold = ${pick(1000)}${stamp(random)} WHERE sales_order_id = ${id(60, 1000)}`;
      case 1:
        return `UPDATE payment SET paid = NOT paid${stamp(random)} WHERE payment_id = ${id(60, 1000)}`;
      case 2:
        return `UPDATE design SET design_name = 'd${pick(1000)}'${stamp(random)} WHERE design_id = ${id(30, 100)}`;
      case 3:
        return `UPDATE staff SET department_id = ${pick(8)}${stamp(random)} WHERE staff_id = ${pick(20)}`;
      case 4:
        return `UPDATE address SET city = 'City ${pick(100)}'${stamp(random)} WHERE address_id = ${pick(30)}`;
      default:
        return `UPDATE department SET location = 'Site ${pick(100)}'${stamp(random)} WHERE department_id = ${pick(8)}`;
    }
  });
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Each item once, a third of them twice, in a random order: what an at-least-once queue delivers. */
const deliveries = <T>(items: readonly T[], random: () => number): T[] =>
  shuffled([...items, ...items.filter(() => random() < 0.33)], random);

async function expectFactsEqualSource(source: Pool, warehouse: Pool): Promise<void> {
  const pairs: [string, string][] = [
    [
      "SELECT sales_order_id, units_sold, last_updated::date::text AS d FROM sales_order ORDER BY 1",
      "SELECT sales_order_id, units_sold, last_updated_date::text AS d FROM fact_sales_order_current ORDER BY 1",
    ],
    [
      "SELECT payment_id, paid, last_updated::date::text AS d FROM payment ORDER BY 1",
      "SELECT payment_id, paid, last_updated_date::text AS d FROM fact_payment_current ORDER BY 1",
    ],
  ];
  for (const [sourceSql, factSql] of pairs)
    expect((await warehouse.query(factSql)).rows, factSql).toEqual((await source.query(sourceSql)).rows);
}

describe("commit order under arbitrary stamps, long writers, backfills and shuffled, repeated deliveries", () => {
  let objects: TestObjectStore;
  beforeAll(async () => {
    objects = await startObjectStore();
  });
  afterAll(async () => {
    await objects.stop();
  });

  async function run(buckets: Buckets, source: Pool, warehouse: Pool, random: () => number): Promise<void> {
    const backfill = random() < 0.25 ? ["design", "staff", "sales_order"].filter(() => random() < 0.6) : [];
    const extracted = await extract({
      source,
      store: buckets.store,
      bucket: buckets.ingestionBucket,
      fullTables: backfill,
    });
    const outputs = new Set<string>();
    for (const key of deliveries(
      extracted.tables.flatMap((t) => t.objectKeys),
      random,
    ))
      for (const out of (await transformObject(buckets, key)).outputs) outputs.add(out.objectKey);
    const target = { store: buckets.store, bucket: buckets.processedBucket, pipeline: TEST_PIPELINE };
    for (const key of deliveries([...outputs], random))
      await loadObject({ ...target, warehouse: postgresWarehouse(warehouse) }, key);
  }

  it.each([11, 12, 13])(
    "seed %i: after every run the warehouse equals the source",
    async (seed) => {
      const random = prng(seed);
      const [source, warehouse] = await Promise.all([
        freshPool(`cor${seed}_src`),
        freshPool(`cor${seed}_wh`),
      ]);
      const buckets = {
        store: objects.store,
        ingestionBucket: `ingestion-cor-${seed}`,
        processedBucket: `processed-cor-${seed}`,
      };
      await Promise.all([
        objects.createBucket(buckets.ingestionBucket),
        objects.createBucket(buckets.processedBucket),
      ]);
      try {
        await initSource(source);
        await run(buckets, source, warehouse, random);
        // After every run what the source has committed is what the warehouse holds (open
        // writers are in neither).
        await writerHistory(source, random, {
          steps: 14,
          edits,
          short: 0.4,
          open: 0.55,
          commit: 0.7,
          run: async () => {
            await run(buckets, source, warehouse, random);
            await expectDimsEqualSourceJoin(source, warehouse);
            await expectFactsEqualSource(source, warehouse);
          },
        });
      } finally {
        await Promise.all([source.end(), warehouse.end()]);
      }
    },
    300_000,
  );
});
