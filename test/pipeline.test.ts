import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { initSource } from "../tools/source/init.js";
import { transformObject } from "../lib/transform/transform.js";
import { freshPool, useOwnCluster } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";

useOwnCluster();

describe("extract → transform → load on the 2024-11-15 sample", () => {
  let source: Pool;
  let warehouse: Pool;
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  const count = async (table: string) =>
    Number((await warehouse.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

  const expectDimsEqualSource = () => expectDimsEqualSourceJoin(source, warehouse);

  beforeAll(async () => {
    [source, warehouse, buckets] = await Promise.all([
      freshPool("p_src"),
      freshPool("p_wh"),
      startObjectStore(),
    ]);
    await initSource(source);
  });
  afterAll(async () => {
    await Promise.all([source.end(), warehouse.end(), buckets.stop()]);
  });

  it("first run: one fact row per source row, every dim equal to its source join", async () => {
    const run = await runStages(buckets, source, warehouse);
    expect(run.csvKeys).toHaveLength(11);
    for (const key of run.csvKeys) expect(key).toMatch(/^[a-z_]+\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z\.csv$/);
    expect(await count("fact_sales_order")).toBe(11187);
    expect(await count("fact_purchase_order")).toBe(4649);
    expect(await count("fact_payment")).toBe(15836);
    await expectDimsEqualSource();
    expect(await postgresWarehouse(warehouse).checkReferences()).toEqual([]);
  });

  it("keeps the peers' expectations from the real data", async () => {
    const one = async (sql: string) => (await warehouse.query(sql)).rows[0];
    expect(await one("SELECT * FROM dim_counterparty WHERE counterparty_id = 1")).toEqual({
      counterparty_id: 1,
      counterparty_legal_name: "Fahey and Sons",
      counterparty_legal_address_line_1: "605 Haskell Trafficway",
      counterparty_legal_address_line_2: "Axel Freeway",
      counterparty_legal_district: null,
      counterparty_legal_city: "East Bobbie",
      counterparty_legal_postal_code: "88253-4257",
      counterparty_legal_country: "Heard Island and McDonald Islands",
      counterparty_legal_phone_number: "9687 937447",
    });
    expect(
      await one("SELECT first_name, last_name, department_name, location FROM dim_staff WHERE staff_id = 13"),
    ).toEqual({
      first_name: "Stan",
      last_name: "Lehner",
      department_name: "Dispatch",
      location: "Leds",
    });
    expect(await one("SELECT * FROM fact_sales_order WHERE sales_order_id = 2")).toMatchObject({
      created_date: "2022-11-03",
      created_time: "14:20:52.186",
      sales_staff_id: 19,
      counterparty_id: 8,
      units_sold: 42972,
      unit_price: "3.94",
      currency_id: 2,
      design_id: 3,
      agreed_payment_date: "2022-11-08",
      agreed_delivery_date: "2022-11-07",
      agreed_delivery_location_id: 8,
    });
    expect(await one("SELECT * FROM dim_transaction WHERE transaction_id = 101")).toEqual({
      transaction_id: 101,
      transaction_type: "PURCHASE",
      sales_order_id: null,
      purchase_order_id: 62,
    });
    expect(await one("SELECT * FROM dim_date WHERE date_id = '2023-01-21'")).toEqual({
      date_id: "2023-01-21",
      year: 2023,
      month: 1,
      day: 21,
      day_of_week: 6,
      day_name: "Saturday",
      month_name: "January",
      quarter: 1,
    });
  });

  it("covers every referenced date with a contiguous calendar", async () => {
    const span = await warehouse.query(
      "SELECT count(*)::int AS n, (max(date_id) - min(date_id) + 1)::int AS days FROM dim_date",
    );
    expect(span.rows[0].n).toBe(span.rows[0].days);
  });

  it("reprocessing the same objects adds nothing", async () => {
    const before = await count("fact_payment");
    const keys: string[] = [];
    for await (const o of buckets.store.list(buckets.ingestionBucket, "payment/")) keys.push(o.key);
    for (const key of keys) {
      const result = await transformObject(buckets, key);
      for (const output of result.outputs) {
        expect(output.written).toBe(false);
        await loadObject(
          { store: buckets.store, bucket: buckets.processedBucket, warehouse: postgresWarehouse(warehouse) },
          output.objectKey,
        );
      }
    }
    expect(await count("fact_payment")).toBe(before);
  });

  it("second run appends new versions and propagates department and address changes", async () => {
    // The changes an operator would see in a day: a payment paid, an order amended, a
    // department relocated, a legal address changed, a staff member moving department.
    await source.query(`
      UPDATE payment SET paid = true, last_updated = '2024-11-16 09:00:00.001' WHERE payment_id = 2;
      UPDATE sales_order SET units_sold = 100, last_updated = '2024-11-16 09:00:00.002' WHERE sales_order_id = 2;
      UPDATE department SET location = 'Liverpool', last_updated = '2024-11-16 09:00:00.003' WHERE department_id = 6;
      UPDATE address SET phone = '0161 000000', last_updated = '2024-11-16 09:00:00.004' WHERE address_id = 15;
      UPDATE staff SET department_id = 6, last_updated = '2024-11-16 09:00:00.005' WHERE staff_id = 13;
    `);
    const run = await runStages(buckets, source, warehouse);
    expect(run.extracted.tables.filter((t) => t.rows > 0).map((t) => [t.table, t.rows])).toEqual([
      ["address", 1],
      ["department", 1],
      ["staff", 1],
      ["sales_order", 1],
      ["payment", 1],
    ]);
    expect(await count("fact_sales_order")).toBe(11188);
    expect(await count("fact_payment")).toBe(15837);
    const versions = await warehouse.query(
      "SELECT units_sold, last_updated_date, last_updated_time FROM fact_sales_order WHERE sales_order_id = 2 ORDER BY sales_record_id",
    );
    expect(versions.rows).toEqual([
      { units_sold: 42972, last_updated_date: "2022-11-03", last_updated_time: "14:20:52.186" },
      { units_sold: 100, last_updated_date: "2024-11-16", last_updated_time: "09:00:00.002" },
    ]);
    await expectDimsEqualSource();
    const moved = await warehouse.query(
      "SELECT department_name, location FROM dim_staff WHERE staff_id = 13",
    );
    expect(moved.rows[0].location).toBe("Liverpool");
    const phone = await warehouse.query(
      "SELECT counterparty_legal_phone_number FROM dim_counterparty WHERE counterparty_id = 1",
    );
    expect(phone.rows[0].counterparty_legal_phone_number).toBe("0161 000000");
    expect(await postgresWarehouse(warehouse).checkReferences()).toEqual([]);
  });

  it("a third run with no change adds nothing", async () => {
    const before = await warehouse.query(
      "SELECT (SELECT count(*) FROM fact_sales_order) + (SELECT count(*) FROM fact_payment) + (SELECT count(*) FROM dim_staff) AS n",
    );
    const run = await runStages(buckets, source, warehouse);
    expect(run.csvKeys).toEqual([]);
    const after = await warehouse.query(
      "SELECT (SELECT count(*) FROM fact_sales_order) + (SELECT count(*) FROM fact_payment) + (SELECT count(*) FROM dim_staff) AS n",
    );
    expect(after.rows).toEqual(before.rows);
  });
});
