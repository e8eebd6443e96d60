import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../lib/db/pool.js";
import { verify } from "../lib/verify/index.js";
import { WarehouseOwnedError } from "../lib/warehouse/ownership.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { LocalPipeline } from "../runtime/local/pipeline.js";
import { initSource } from "../tools/source/init.js";
import { formatSummary } from "../cli/summary.js";
import { ObjectStore } from "../lib/store/object-store.js";
import { s3Client } from "../runtime/aws/clients.js";
import { localContext } from "../runtime/local/lambda/context.js";
import { createVerifyHandler } from "../runtime/lambda/verify-handler.js";
import { freshDatabaseUrl } from "./helpers/databases.js";

/*
 * Issue 22, cases 4 and 5: one pipeline owns a warehouse, and a warehouse restored from a backup
 * is caught up from what its pipeline recorded as loaded.
 */

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

/** Runs SQL on the cluster's maintenance database (CREATE/DROP DATABASE cannot run inside the one they name). */
async function onCluster(url: string, sql: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("one owner per warehouse; a restored warehouse is caught up", () => {
  let dirs: string[];
  let sourceUrl: string;
  let warehouseUrl: string;
  let source: Pool;
  let warehouse: Pool;
  const started: LocalPipeline[] = [];
  const pipelineIn = async (dir: string) => {
    const local = await LocalPipeline.start(dir);
    started.push(local);
    return local;
  };

  beforeAll(async () => {
    dirs = await Promise.all([1, 2].map(() => mkdtemp(path.join(tmpdir(), "totes-owner-"))));
    [sourceUrl, warehouseUrl] = await Promise.all([freshDatabaseUrl("own_src"), freshDatabaseUrl("own_wh")]);
    source = createPool(sourceUrl);
    warehouse = createPool(warehouseUrl);
    await initSource(source);
  });
  afterAll(async () => {
    for (const local of started) await local.stop();
    await Promise.all([source.end(), warehouse.end()]);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("case 4: a second data dir's run is refused before it extracts anything, naming both pipelines and the hand-over", async () => {
    // Prepare: data dir A loads the warehouse.
    const a = await pipelineIn(dirs[0]!);
    await a.runOnce({ source, warehouse });
    const b = await pipelineIn(dirs[1]!);

    // Act
    const refused = await b.runOnce({ source, warehouse }).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(WarehouseOwnedError);
    const message = (refused as Error).message;
    expect(message).toContain(path.resolve(dirs[0]!));
    expect(message).toContain(path.resolve(dirs[1]!));
    expect(message).toContain("totes warehouse claim");
    // Nothing of B's reached the buckets or the warehouse; A goes on as before.
    await source.query(
      "UPDATE department SET department_name = 'X', last_updated = now() WHERE department_id = 6",
    );
    const next = await a.runOnce({ source, warehouse });
    expect(next.loaded.find((t) => t.table === "dim_staff")?.rowsWritten).toBeGreaterThan(0);
    expect((await verify({ source, warehouse: postgresWarehouse(warehouse) })).equal).toBe(true);
  });

  it("a deliberate hand-over: after `claim`, B loads and A is refused", async () => {
    // Prepare
    const [a, b] = started;
    const owner = await postgresWarehouse(warehouse).claim(b!.identity, { takeOver: true });
    expect(owner.id).toBe(b!.identity.id);

    // Act
    const byB = await b!.runOnce({ source, warehouse });
    const byA = await a!.runOnce({ source, warehouse }).catch((error: unknown) => error);

    // Assess
    expect(byB.deadLetters).toEqual({ transform: 0, load: 0 });
    expect(byA).toBeInstanceOf(WarehouseOwnedError);
    expect((await verify({ source, warehouse: postgresWarehouse(warehouse) })).equal).toBe(true);
  });

  it("case 5: a warehouse restored from a backup taken before a run is caught up at the next run, which says so", async () => {
    // Prepare: a backup, then a run that loads changes, then the backup restored in place.
    const b = started[1]!;
    const backup = `${databaseOf(warehouseUrl)}_backup`;
    await warehouse.end();
    await onCluster(warehouseUrl, `CREATE DATABASE ${backup} TEMPLATE ${databaseOf(warehouseUrl)}`);
    warehouse = createPool(warehouseUrl);
    await source.query(`UPDATE design SET design_name = 'after the backup', last_updated = now() WHERE design_id = 3;
      UPDATE sales_order SET units_sold = 777, last_updated = now() WHERE sales_order_id = 40;`);
    await b.runOnce({ source, warehouse });
    await warehouse.end();
    await onCluster(warehouseUrl, `DROP DATABASE ${databaseOf(warehouseUrl)} WITH (FORCE)`);
    await onCluster(warehouseUrl, `CREATE DATABASE ${databaseOf(warehouseUrl)} TEMPLATE ${backup}`);
    warehouse = createPool(warehouseUrl);
    expect(
      (await warehouse.query("SELECT design_name FROM dim_design WHERE design_id = 3")).rows[0].design_name,
    ).not.toBe("after the backup");

    // Act: nothing changed at the source since.
    const summary = await b.runOnce({ source, warehouse });

    // Assess
    expect(summary.caughtUp?.missing.length).toBeGreaterThan(0);
    expect(summary.caughtUp?.failed).toEqual([]);
    expect(formatSummary(summary)).toMatch(
      /catch-up: the warehouse lacked \d+ objects? this pipeline had loaded/,
    );
    expect((await warehouse.query("SELECT design_name FROM dim_design WHERE design_id = 3")).rows).toEqual([
      { design_name: "after the backup" },
    ]);
    expect(
      (await warehouse.query("SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 40"))
        .rows,
    ).toEqual([{ units_sold: 777 }]);
    expect((await verify({ source, warehouse: postgresWarehouse(warehouse) })).equal).toBe(true);
    // The next run has nothing to catch up.
    expect((await b.runOnce({ source, warehouse })).caughtUp).toBeUndefined();
  });

  it("on AWS the scheduled Verify function catches a restored warehouse up before it compares", async () => {
    // Prepare: the same restore, then no run: the Verify function is what notices.
    const b = started[1]!;
    const backup = `${databaseOf(warehouseUrl)}_backup2`;
    await warehouse.end();
    await onCluster(warehouseUrl, `CREATE DATABASE ${backup} TEMPLATE ${databaseOf(warehouseUrl)}`);
    warehouse = createPool(warehouseUrl);
    await source.query(
      "UPDATE design SET design_name = 'after backup 2', last_updated = now() WHERE design_id = 8",
    );
    await b.runOnce({ source, warehouse });
    await warehouse.end();
    await onCluster(warehouseUrl, `DROP DATABASE ${databaseOf(warehouseUrl)} WITH (FORCE)`);
    await onCluster(warehouseUrl, `CREATE DATABASE ${databaseOf(warehouseUrl)} TEMPLATE ${backup}`);
    warehouse = createPool(warehouseUrl);
    const handler = createVerifyHandler({
      store: new ObjectStore(s3Client(b.endpoint)),
      processedBucket: b.pipeline.resources.processedBucket,
      source,
      warehouse: postgresWarehouse(warehouse),
      pipeline: b.identity,
    });

    // Act
    const result = await handler({}, localContext("verify"));

    // Assess
    expect(result.equal).toBe(true);
    expect((await warehouse.query("SELECT design_name FROM dim_design WHERE design_id = 8")).rows).toEqual([
      { design_name: "after backup 2" },
    ]);
  });
});
