import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { verify } from "../lib/verify/index.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { initSource } from "../tools/source/init.js";
import { freshDatabaseUrl, useOwnCluster } from "./helpers/databases.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";

/*
 * Issue 22, cases 2 and 3: what a session reads and how its values print must not depend on the
 * database's or role's defaults. Every session pins DateStyle, TimeZone, IntervalStyle,
 * extra_float_digits, client_encoding and search_path, and every source relation is
 * schema-qualified (lib/db/session-settings.ts).
 */

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

// Counts exactly what a run reads (see useOwnCluster).
useOwnCluster();

describe("a pinned session: the server's defaults change nothing the pipeline reads or writes", () => {
  let objects: TestObjectStore;
  let sourceUrl: string;
  let warehouseUrl: string;
  let admin: Pool;
  let warehouseAdmin: Pool;
  /** Pools opened after the ALTER DATABASEs, so their sessions start with the hostile defaults. */
  const pools: Pool[] = [];
  const fresh = (url: string) => {
    const pool = createPool(url);
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    objects = await startObjectStore();
    [sourceUrl, warehouseUrl] = await Promise.all([freshDatabaseUrl("pin_src"), freshDatabaseUrl("pin_wh")]);
    admin = createPool(sourceUrl);
    warehouseAdmin = createPool(warehouseUrl);
    await initSource(admin);
  });
  afterAll(async () => {
    await Promise.all([objects.stop(), admin.end(), warehouseAdmin.end(), ...pools.map((p) => p.end())]);
  });

  it("case 2: a shadow relation in front of public on the database's search_path is never read", async () => {
    // Prepare: a materialized view of 100 orders and a table of one design, both in a schema
    // the database puts first on every session's search_path.
    await admin.query(`CREATE SCHEMA shadow;
      CREATE MATERIALIZED VIEW shadow.sales_order AS SELECT * FROM public.sales_order WHERE sales_order_id <= 100;
      CREATE TABLE shadow.design AS SELECT * FROM public.design WHERE design_id = 1;
      ALTER DATABASE ${databaseOf(sourceUrl)} SET search_path = shadow, public;`);
    const source = fresh(sourceUrl);
    const warehouse = fresh(warehouseUrl);
    const sourceCount = Number((await admin.query("SELECT count(*) AS n FROM public.sales_order")).rows[0].n);

    // Act
    const first = await runStages(objects, source, warehouse);

    // Assess: the whole public table, no refusal for the shadow table's oid.
    expect(first.extracted.tables.find((t) => t.table === "sales_order")?.rows).toBe(sourceCount);
    expect(first.extracted.tables.find((t) => t.table === "design")?.rows).toBeGreaterThan(1);
    await admin.query(
      "UPDATE public.sales_order SET units_sold = 4242, last_updated = now() WHERE sales_order_id = 500",
    );
    const second = await runStages(objects, source, warehouse);
    expect(second.extracted.tables.find((t) => t.table === "sales_order")?.rows).toBe(1);
    expect(
      (await warehouse.query("SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 500"))
        .rows,
    ).toEqual([{ units_sold: 4242 }]);
    // verify reads public too: the warehouse equals it.
    expect((await verify({ source, warehouse: postgresWarehouse(warehouse) })).equal).toBe(true);
  });

  it("case 3: DateStyle 'SQL, DMY' as the source's and the warehouse's default quarantines nothing and loads every day", async () => {
    // Prepare
    await admin.query(`ALTER DATABASE ${databaseOf(sourceUrl)} SET DateStyle = 'SQL, DMY'`);
    await warehouseAdmin.query(`ALTER DATABASE ${databaseOf(warehouseUrl)} SET DateStyle = 'SQL, DMY'`);
    await admin.query(
      "UPDATE public.sales_order SET agreed_delivery_date = '2031-12-31', last_updated = now() WHERE sales_order_id = 501",
    );
    const source = fresh(sourceUrl);
    const warehouse = fresh(warehouseUrl);
    // The hostile default is real: a session that does not pin it prints DMY.
    const unpinned = await import("pg").then((pg) => new pg.default.Client({ connectionString: sourceUrl }));
    await unpinned.connect();
    expect((await unpinned.query("SELECT DATE '2024-11-03'::text AS d")).rows[0].d).toBe("03/11/2024");
    await unpinned.end();

    // Act
    const run = await runStages(objects, source, warehouse);

    // Assess
    expect(run.extracted.tables.find((t) => t.table === "sales_order")?.rows).toBe(1);
    expect(
      (
        await warehouse.query(
          "SELECT agreed_delivery_date::text AS d FROM fact_sales_order_current WHERE sales_order_id = 501",
        )
      ).rows,
    ).toEqual([{ d: "2031-12-31" }]);
    expect(
      (await warehouse.query("SELECT count(*) AS n FROM dim_date WHERE date_id = '2031-12-31'")).rows,
    ).toEqual([{ n: 1 }]);
    expect((await verify({ source, warehouse: postgresWarehouse(warehouse) })).equal).toBe(true);
  });
});
