import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceChangedError } from "../lib/extract/extract.js";
import { resetExtractState } from "../lib/extract/state.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, freshPool, useOwnCluster } from "./helpers/databases.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";

/** A login that may only read the totesys tables, as a production source grants. */
async function readerOf(url: string): Promise<{ pool: Pool; role: string }> {
  const admin = createPool(url);
  const role = `reader_${randomBytes(4).toString("hex")}`;
  const password = `totes-test-secret-${randomBytes(6).toString("hex")}`;
  const database = new URL(url).pathname.slice(1);
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
  } finally {
    await admin.end();
  }
  const reader = new URL(url);
  reader.username = role;
  reader.password = password;
  return { pool: createPool(reader.toString()), role };
}

useOwnCluster();

describe("change capture by what the source committed, read by a SELECT-only login", () => {
  let objects: TestObjectStore;
  let sourceUrl: string;
  let source: Pool;
  let reader: Pool;
  let readerRole: string;
  let warehouse: Pool;
  const run = () => runStages(objects, reader, warehouse);
  const count = async (pool: Pool, sql: string) => Number((await pool.query(sql)).rows[0].n);

  beforeAll(async () => {
    objects = await startObjectStore();
    sourceUrl = await freshDatabaseUrl("cc_src");
    source = createPool(sourceUrl);
    await initSource(source);
    ({ pool: reader, role: readerRole } = await readerOf(sourceUrl));
    warehouse = await freshPool("cc_wh");
    await run();
  });
  afterAll(async () => {
    await Promise.all([source.end(), reader.end(), warehouse.end(), objects.stop()]);
  });

  it("a writer that stamps rows, stays open across a whole run and commits after it: the next run has them", async () => {
    const writer = await source.connect();
    try {
      await writer.query("BEGIN");
      await writer.query(
        `INSERT INTO currency (currency_id, currency_code, created_at, last_updated)
         VALUES (90, 'JPY', now(), now() - interval '1 hour')`,
      );
      const during = await run();
      expect(during.extracted.tables.find((t) => t.table === "currency")?.rows).toBe(0);
      await writer.query("COMMIT");
    } finally {
      writer.release();
    }
    const after = await run();
    expect(after.extracted.tables.find((t) => t.table === "currency")?.rows).toBe(1);
    expect(
      await count(warehouse, "SELECT count(*)::int AS n FROM dim_currency WHERE currency_code = 'JPY'"),
    ).toBe(1);
  });

  it("edits that leave last_updated alone are read by the next run and corrected in place", async () => {
    const order7 = () =>
      warehouse.query(
        "SELECT sales_record_id, units_sold FROM fact_sales_order WHERE sales_order_id = 7 ORDER BY sales_record_id",
      );
    const before = (await order7()).rows;
    const facts = await count(warehouse, "SELECT count(*)::int AS n FROM fact_sales_order");
    await source.query(`
      UPDATE design SET file_location = 'x' WHERE design_id = 5;
      UPDATE sales_order SET units_sold = units_sold + 1 WHERE sales_order_id = 7;`);
    const { extracted } = await run();
    const rows = Object.fromEntries(extracted.tables.filter((t) => t.rows > 0).map((t) => [t.table, t.rows]));
    expect(rows).toEqual({ design: 1, sales_order: 1 });
    const design = await warehouse.query("SELECT file_location FROM dim_design WHERE design_id = 5");
    expect(design.rows).toEqual([{ file_location: "x" }]);
    // The same record, the new units, no new row.
    const truth = await source.query("SELECT units_sold FROM sales_order WHERE sales_order_id = 7");
    expect((await order7()).rows).toEqual([{ ...before.at(-1), units_sold: truth.rows[0].units_sold }]);
    expect(before).toHaveLength(1);
    expect(await count(warehouse, "SELECT count(*)::int AS n FROM fact_sales_order")).toBe(facts);
  });

  it("a row stamped a day in the future is extracted by the next run", async () => {
    await source.query(`UPDATE currency SET last_updated = now() + interval '1 day' WHERE currency_id = 1`);
    const { extracted } = await run();
    expect(extracted.tables.find((t) => t.table === "currency")?.rows).toBe(1);
  });

  it("nothing changed: no object, and the next run reads only what came after", async () => {
    const { extracted, csvKeys } = await run();
    expect(csvKeys).toEqual([]);
    expect(extracted.tables.every((t) => t.rows === 0)).toBe(true);
  });

  it("a reset source is refused, naming what changed; after `state reset` a run converges with no duplicate fact", async () => {
    await initSource(source, { reset: true });
    const refused = await run().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SourceChangedError);
    expect(String(refused)).toMatch(/table sales_order was dropped and made again/);

    await resetExtractState(objects.store, objects.ingestionBucket);
    // The reset source granted nothing to the reader yet (its tables are new).
    await source.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${readerRole}`);
    const { extracted } = await run();
    expect(extracted.tables.find((t) => t.table === "sales_order")?.rows).toBe(11187);
    expect(await count(warehouse, "SELECT count(*)::int AS n FROM fact_sales_order")).toBe(
      await count(
        warehouse,
        "SELECT count(*)::int AS n FROM (SELECT DISTINCT sales_order_id, last_updated_date, last_updated_time FROM fact_sales_order) x",
      ),
    );
  });
});
