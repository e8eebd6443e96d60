import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { initSource } from "../tools/source/init.js";
import { freshPool } from "./helpers/databases.js";
import { MOVES_AND_RENAMES, MOVE_ORDERS, movedObjects } from "./helpers/dim-moves.js";
import { startObjectStore, type TestObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";
import { expectDimsEqualSourceJoin } from "./helpers/source-join.js";

/**
 * A child moving to another parent while a parent changes: whatever order the two CSVs are
 * transformed in and their Parquet loaded in, the joined dims end equal to the source join.
 */
describe("dims joined from two tables converge when a child moves while a parent changes", () => {
  let objects: TestObjectStore;

  beforeAll(async () => {
    objects = await startObjectStore();
  });
  afterAll(async () => {
    await objects.stop();
  });

  /** A fresh source and warehouse with the sample loaded through every stage. */
  async function loadedSample(name: string) {
    const [source, warehouse] = await Promise.all([freshPool(`${name}_src`), freshPool(`${name}_wh`)]);
    await initSource(source);
    const processedBucket = `processed-${name.replaceAll("_", "-")}`;
    const ingestionBucket = `ingestion-${name.replaceAll("_", "-")}`;
    await Promise.all([objects.createBucket(processedBucket), objects.createBucket(ingestionBucket)]);
    const buckets = { store: objects.store, ingestionBucket, processedBucket };
    await runStages(buckets, source, warehouse);
    return { source, warehouse, buckets };
  }

  it("the reported case, in the order `totes run` takes: staff 1 to department 8, then department 2 renamed", async () => {
    const { source, warehouse, buckets } = await loadedSample("mv_case");
    try {
      await source.query(`
        UPDATE staff SET department_id = 8, last_updated = '2024-11-20 10:00' WHERE staff_id = 1;
        UPDATE department SET department_name = 'Purchasing (renamed)', last_updated = '2024-11-20 11:00' WHERE department_id = 2;
        UPDATE counterparty SET legal_address_id = 28, last_updated = '2024-11-20 10:00' WHERE counterparty_id = 1;
        UPDATE address SET phone = '0000 renamed', last_updated = '2024-11-20 11:00' WHERE address_id = 15;`);
      await runStages(buckets, source, warehouse);
      const staff = await warehouse.query(
        "SELECT department_name, location FROM dim_staff WHERE staff_id = 1",
      );
      const truth = await source.query(
        "SELECT department_name, location FROM staff JOIN department USING (department_id) WHERE staff_id = 1",
      );
      expect(staff.rows).toEqual(truth.rows);
      await expectDimsEqualSourceJoin(source, warehouse);
    } finally {
      await Promise.all([source.end(), warehouse.end()]);
    }
  });

  it.each(MOVE_ORDERS)("moves and renames in both directions: %s", async (...order) => {
    const [, tables, reverseLoads] = order;
    const name = `mv_${tables[0]}_${reverseLoads ? "r" : "f"}`;
    const { source, warehouse, buckets } = await loadedSample(name);
    try {
      await source.query(MOVES_AND_RENAMES);
      const parquet = await movedObjects(buckets, source, order);
      const options = {
        store: buckets.store,
        bucket: buckets.processedBucket,
        warehouse: postgresWarehouse(warehouse),
      };
      for (const key of parquet) await loadObject(options, key);
      await expectDimsEqualSourceJoin(source, warehouse);
    } finally {
      await Promise.all([source.end(), warehouse.end()]);
    }
  });
});
