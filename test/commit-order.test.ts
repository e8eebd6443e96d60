import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract } from "../lib/extract/extract.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { loadObject } from "../lib/load/load.js";
import { transformObject } from "../lib/transform/transform.js";
import { repairCommand, verify, type VerifyReport } from "../lib/verify/index.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { deleteMissingDimRows } from "../ops/delete-missing.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, freshPool, useOwnCluster } from "./helpers/databases.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { TEST_PIPELINE } from "./helpers/pipeline.js";
import { runStages } from "./helpers/run-stages.js";

/*
 * Issue 22, case 1: versions are ordered by the commits that capture follows (the read order of
 * the snapshot that read them), never by the `last_updated` a writer stamped. A later commit
 * with an earlier stamp is the truth; a backfill is simply a later read, so it repairs whatever
 * verify reports, and verify names the command that does.
 */

useOwnCluster();

describe("commit order decides which version is current", () => {
  let objects: TestObjectStore;
  let source: Pool;
  let warehouse: Pool;
  const run = () => runStages(objects, source, warehouse);
  const one = async (pool: Pool, sql: string) => (await pool.query(sql)).rows[0] as Record<string, unknown>;

  beforeAll(async () => {
    objects = await startObjectStore();
    source = createPool(await freshDatabaseUrl("co_src"));
    await initSource(source);
    warehouse = await freshPool("co_wh");
    await run();
  });
  afterAll(async () => {
    await Promise.all([objects.stop(), source.end(), warehouse.end()]);
  });

  it("case 1 as reported: a later commit stamped earlier than the one before it wins, in the dim and the fact's current view", async () => {
    // Prepare: a future stamp, loaded; then the fix, committed later with an earlier stamp.
    await source.query(`UPDATE design SET design_name = 'typo-future', last_updated = '2027-01-01' WHERE design_id = 20;
      UPDATE sales_order SET units_sold = 111, last_updated = '2027-01-01' WHERE sales_order_id = 30;`);
    await run();
    expect(await one(warehouse, "SELECT design_name FROM dim_design WHERE design_id = 20")).toEqual({
      design_name: "typo-future",
    });
    await source.query(`UPDATE design SET design_name = 'fixed', last_updated = now() WHERE design_id = 20;
      UPDATE sales_order SET units_sold = 222, last_updated = now() WHERE sales_order_id = 30;`);

    // Act
    const { loads } = await run();

    // Assess
    expect(loads.find((l) => l.table === "dim_design")).toMatchObject({ rowsIn: 1, rowsWritten: 1 });
    expect(await one(warehouse, "SELECT design_name FROM dim_design WHERE design_id = 20")).toEqual({
      design_name: "fixed",
    });
    expect(
      await one(warehouse, "SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 30"),
    ).toEqual({ units_sold: 222 });
    // History keeps both versions; the view picks the one committed last.
    expect(
      Number(
        (await one(warehouse, "SELECT count(*) AS n FROM fact_sales_order WHERE sales_order_id = 30")).n,
      ),
    ).toBeGreaterThanOrEqual(3);
    const report = await verify({ source, warehouse: postgresWarehouse(warehouse) });
    expect(report.equal).toBe(true);
  });

  it("a later commit going back to an earlier version's exact stamp corrects that version and makes it current", async () => {
    // Prepare: sales order 31 at stamp A, then B, then back to A with other values.
    await source.query(
      `UPDATE sales_order SET units_sold = 1, last_updated = '2026-01-01 10:00:00' WHERE sales_order_id = 31`,
    );
    await run();
    await source.query(
      `UPDATE sales_order SET units_sold = 2, last_updated = '2026-06-01 10:00:00' WHERE sales_order_id = 31`,
    );
    await run();
    await source.query(
      `UPDATE sales_order SET units_sold = 3, last_updated = '2026-01-01 10:00:00' WHERE sales_order_id = 31`,
    );

    // Act
    await run();

    // Assess
    expect(
      await one(warehouse, "SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 31"),
    ).toEqual({ units_sold: 3 });
    const versions = await warehouse.query(
      `SELECT units_sold FROM fact_sales_order WHERE sales_order_id = 31 AND last_updated_date = '2026-01-01'`,
    );
    expect(versions.rows).toEqual([{ units_sold: 3 }]);
  });

  /** What `totes backfill` does, for the command verify printed: a full read of its tables, then the stages. */
  async function repair(report: VerifyReport): Promise<string> {
    const command = repairCommand(report.tables);
    if (!command) throw new Error("verify printed no repair command");
    const tables = /--table ((?:\w+ ?)+)/.exec(command)![1]!.trim().split(" ");
    const extracted = await extract({
      source,
      store: objects.store,
      bucket: objects.ingestionBucket,
      fullTables: tables,
    });
    for (const key of extracted.tables.flatMap((t) => t.objectKeys))
      for (const out of (await transformObject(objects, key)).outputs)
        await loadObject(
          {
            store: objects.store,
            bucket: objects.processedBucket,
            warehouse: postgresWarehouse(warehouse),
            pipeline: TEST_PIPELINE,
          },
          out.objectKey,
        );
    if (command.includes("--delete-missing"))
      await deleteMissingDimRows(source, postgresWarehouse(warehouse), tables);
    return command;
  }

  const breakages: [string, string, RegExp][] = [
    [
      "a dim row with a wrong value (differing)",
      "UPDATE dim_design SET design_name = 'garbage' WHERE design_id = 7",
      /--table design\b/,
    ],
    ["a dim row lost (missing)", "DELETE FROM dim_location WHERE location_id = 3", /--table address\b/],
    [
      "a fact's current version with a wrong value (differing)",
      `UPDATE fact_sales_order SET units_sold = units_sold + 1
        WHERE sales_record_id = (SELECT max(sales_record_id) FROM fact_sales_order WHERE sales_order_id = 12)`,
      /--table sales_order\b/,
    ],
    [
      "a fact's every version lost (missing)",
      "DELETE FROM fact_payment WHERE payment_id = 9",
      /--table payment\b/,
    ],
    [
      "a dim row the source never had (extra)",
      "INSERT INTO dim_payment_type VALUES (99, 'NOT_A_TYPE')",
      /--table payment_type --delete-missing/,
    ],
    [
      "a joined dim's parent values stale (differing)",
      "UPDATE dim_staff SET location = 'Nowhere' WHERE staff_id = 2",
      /--table department staff\b/,
    ],
    [
      "a calendar day lost (a dangling reference and a gap)",
      `DELETE FROM dim_date WHERE date_id = (SELECT min(created_date) + 1 FROM fact_sales_order)`,
      /--table payment purchase_order sales_order\b/,
    ],
  ];

  it.each(breakages)(
    "verify names the repair for %s, and running it makes the warehouse equal again",
    async (_name, breakage, expected) => {
      // Prepare
      await warehouse.query(breakage);
      const found = await verify({ source, warehouse: postgresWarehouse(warehouse) });
      expect(found.equal).toBe(false);

      // Act
      const command = await repair(found);

      // Assess
      expect(command).toMatch(expected);
      const after = await verify({ source, warehouse: postgresWarehouse(warehouse) });
      expect(after.tables.filter((t) => t.mismatches).map((t) => t.table)).toEqual([]);
    },
  );
});
