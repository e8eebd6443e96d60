import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { initSource } from "../tools/source/init.js";
import { freshPool } from "./helpers/databases.js";
import { prng } from "./helpers/prng.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";
import { writerHistory } from "./helpers/writers.js";

/**
 * What a writer does in one transaction: stamped or not, as real sources do both. A long
 * writer (`lane` ≥ 0) keeps to rows of its own, so it never blocks the short ones or another.
 */
function edits(random: () => number, lane = -1): string[] {
  const pick = (n: number) => 1 + Math.floor(random() * n);
  const id = (n: number, base: number) => (lane < 0 ? pick(n) : base + lane * 10 + pick(9));
  const stamp = () => (random() < 0.5 ? ", last_updated = now()" : "");
  return Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    switch (Math.floor(random() * (lane < 0 ? 5 : 3))) {
      case 0:
        return `UPDATE sales_order SET units_sold = units_sold + 1${stamp()} WHERE sales_order_id = ${id(200, 1000)}`;
      case 1:
        return `UPDATE payment SET paid = NOT paid${stamp()} WHERE payment_id = ${id(200, 1000)}`;
      case 2:
        return `UPDATE design SET file_location = '/moved/${pick(1000)}'${stamp()} WHERE design_id = ${id(50, 100)}`;
      case 3:
        return `UPDATE staff SET department_id = ${pick(8)}${stamp()} WHERE staff_id = ${pick(20)}`;
      default:
        return `UPDATE department SET location = 'Site ${pick(100)}'${stamp()} WHERE department_id = ${pick(8)}`;
    }
  });
}

describe("change capture under interleaved writers (short, long, unstamped) and runs", () => {
  let objects: TestObjectStore;
  beforeAll(async () => {
    objects = await startObjectStore();
  });
  afterAll(async () => {
    await objects.stop();
  });

  async function expectFactsEqualSource(source: Pool, warehouse: Pool) {
    const pairs: [string, string][] = [
      [
        "SELECT sales_order_id, units_sold, unit_price::text FROM sales_order ORDER BY 1",
        "SELECT sales_order_id, units_sold, unit_price::text FROM fact_sales_order_current ORDER BY 1",
      ],
      [
        "SELECT payment_id, paid, payment_amount::text FROM payment ORDER BY 1",
        "SELECT payment_id, paid, payment_amount::text FROM fact_payment_current ORDER BY 1",
      ],
    ];
    for (const [sourceSql, factSql] of pairs)
      expect((await warehouse.query(factSql)).rows, factSql).toEqual((await source.query(sourceSql)).rows);
  }

  it.each([1, 2, 3])(
    "seed %i: the warehouse ends equal to the source",
    async (seed) => {
      const random = prng(seed);
      const [source, warehouse] = await Promise.all([
        freshPool(`ccr${seed}_src`),
        freshPool(`ccr${seed}_wh`),
      ]);
      const ingestionBucket = `ingestion-ccr-${seed}`;
      const processedBucket = `processed-ccr-${seed}`;
      await Promise.all([objects.createBucket(ingestionBucket), objects.createBucket(processedBucket)]);
      const buckets = { store: objects.store, ingestionBucket, processedBucket };
      try {
        await initSource(source);
        await runStages(buckets, source, warehouse);
        // Short writers commit before the next run; long ones stay open across runs.
        await writerHistory(source, random, {
          steps: 12,
          edits,
          short: 0.35,
          open: 0.55,
          commit: 0.7,
          run: async () => void (await runStages(buckets, source, warehouse)),
        });
        await expectDimsEqualSourceJoin(source, warehouse);
        await expectFactsEqualSource(source, warehouse);
      } finally {
        await Promise.all([source.end(), warehouse.end()]);
      }
    },
    300_000,
  );
});
