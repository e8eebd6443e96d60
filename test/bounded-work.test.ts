import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { extract } from "../lib/extract/extract.js";
import { loadObject } from "../lib/load/load.js";
import { listQuarantine } from "../lib/pipeline/quarantine.js";
import { transformObject } from "../lib/transform/transform.js";
import { verify } from "../lib/verify/index.js";
import { PostgresWarehouse } from "../lib/warehouse/postgres.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, freshPool } from "./helpers/databases.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { TEST_PIPELINE } from "./helpers/pipeline.js";
import { runStages } from "./helpers/run-stages.js";

/*
 * Issue 22, cases 6, 7 and 8: no input makes the work unbounded, no lock makes it wait forever,
 * and one bad value does not stop verify.
 */

describe("bounded work: the calendar's span, DDL's lock timeout, verify past a bad value", () => {
  let objects: TestObjectStore;
  let source: Pool;
  let warehouse: Pool;

  beforeAll(async () => {
    objects = await startObjectStore();
    source = createPool(await freshDatabaseUrl("bw_src"));
    await initSource(source);
    warehouse = await freshPool("bw_wh");
    await runStages(objects, source, warehouse);
  });
  afterAll(async () => {
    await Promise.all([objects.stop(), source.end(), warehouse.end()]);
  });

  /** One extraction and its transforms; the loads' results and the transforms' quarantine counts. */
  async function stages() {
    const extracted = await extract({ source, store: objects.store, bucket: objects.ingestionBucket });
    let quarantined = 0;
    const loads = [];
    for (const key of extracted.tables.flatMap((t) => t.objectKeys)) {
      const result = await transformObject(objects, key);
      quarantined += result.rowsQuarantined;
      for (const out of result.outputs)
        loads.push(
          await loadObject(
            {
              store: objects.store,
              bucket: objects.processedBucket,
              warehouse: new PostgresWarehouse(warehouse),
              pipeline: TEST_PIPELINE,
            },
            out.objectKey,
          ),
        );
    }
    return { quarantined, loads };
  }

  it("case 6: a date outside the calendar's span is quarantined with an error naming it; the calendar stays bounded", async () => {
    // Prepare
    const daysBefore = Number((await warehouse.query("SELECT count(*) AS n FROM dim_date")).rows[0].n);
    await source.query(`UPDATE sales_order SET agreed_delivery_date = '0001-01-01', last_updated = now() WHERE sales_order_id = 60;
      UPDATE sales_order SET agreed_payment_date = '9999-12-31', last_updated = now() WHERE sales_order_id = 61;`);

    // Act
    const { quarantined } = await stages();

    // Assess
    expect(quarantined).toBe(2);
    const entries = (await listQuarantine(objects.store, objects.ingestionBucket, "sales_order")).filter(
      (e) => !e.resolved,
    );
    expect(entries.map((e) => [e.id, e.column])).toEqual(
      expect.arrayContaining([
        ["60", "agreed_delivery_date"],
        ["61", "agreed_payment_date"],
      ]),
    );
    expect(entries.find((e) => e.id === "60")?.error).toMatch(
      /sales_order \(.*\): row \d+, column agreed_delivery_date: "0001-01-01" is outside the calendar's span \(1900-01-01 to 2100-12-31/,
    );
    const daysAfter = Number((await warehouse.query("SELECT count(*) AS n FROM dim_date")).rows[0].n);
    expect(daysAfter).toBe(daysBefore);
  });

  it("case 6: the span's far ends load as a contiguous calendar, in chunks", async () => {
    // Prepare: the two ends of the span, in range.
    await source.query(`UPDATE sales_order SET agreed_delivery_date = '1900-01-01', last_updated = now() WHERE sales_order_id = 60;
      UPDATE sales_order SET agreed_payment_date = '2100-12-31', last_updated = now() WHERE sales_order_id = 61;`);
    const rssBefore = process.memoryUsage().rss;

    // Act
    const { quarantined } = await stages();

    // Assess: 73,414 days, and the quarantined rows settled by the later read.
    expect(quarantined).toBe(0);
    const span = (
      await warehouse.query(
        "SELECT min(date_id)::text AS first, max(date_id)::text AS last, count(*) AS n FROM dim_date",
      )
    ).rows[0];
    expect(span).toEqual({ first: "1900-01-01", last: "2100-12-31", n: 73_414 });
    // Two centuries of days is a few MB, not gigabytes (the unbounded calendar took 2.1 GB for 739,204).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 1024 * 1024);
    const open = (await listQuarantine(objects.store, objects.ingestionBucket, "sales_order")).filter(
      (e) => !e.resolved,
    );
    expect(open).toEqual([]);
  });

  it("case 7: views to re-apply while an analyst's transaction reads one: the load goes on without them, says so, and applies them next time", async () => {
    // Prepare: the warehouse's views are out of date, and an analyst holds one open.
    await warehouse.query(
      "UPDATE totes_meta.applied_ddl SET fingerprint = 'older' WHERE part = 'presentation'",
    );
    const analyst = await warehouse.connect();
    await analyst.query("BEGIN");
    await analyst.query("SELECT count(*) FROM fact_sales_order_current");
    await source.query(
      "UPDATE design SET design_name = 'during a long read', last_updated = now() WHERE design_id = 5",
    );
    const started = Date.now();

    // Act: a new process's warehouse (its schema check not yet made).
    const report = await new PostgresWarehouse(warehouse).ensureSchema();
    const { loads } = await stages();

    // Assess
    expect(report.presentation).toBe("deferred");
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(loads.find((l) => l.table === "dim_design")?.rowsWritten).toBe(1);
    await analyst.query("COMMIT");
    analyst.release();
    expect((await new PostgresWarehouse(warehouse).ensureSchema()).presentation).toBe("applied");
  });

  it("case 8: a source column widened past the catalog: verify reports the row by id and goes on with the other tables", async () => {
    // Prepare
    await source.query(`ALTER TABLE sales_order ALTER COLUMN units_sold TYPE bigint;
      ALTER TABLE sales_order ALTER COLUMN unit_price TYPE numeric(14,2);
      UPDATE sales_order SET units_sold = 3000000000, last_updated = now() WHERE sales_order_id = 70;
      UPDATE sales_order SET unit_price = 123456789012.50, last_updated = now() WHERE sales_order_id = 71;`);

    // Act
    const report = await verify({ source, warehouse: new PostgresWarehouse(warehouse) });

    // Assess
    const orders = report.tables.find((t) => t.table === "fact_sales_order")!;
    expect(orders.differing.rows.map((r) => r.id).sort()).toEqual([70, 71]);
    expect(report.tables.length).toBeGreaterThan(8);
    expect(report.tables.filter((t) => t.table !== "fact_sales_order" && t.mismatches)).toEqual([]);
  });
});
