import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract } from "../lib/extract/extract.js";
import { loadObject } from "../lib/load/load.js";
import { transformObject } from "../lib/transform/transform.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { initSource } from "../tools/source/init.js";
import { freshPool } from "./helpers/databases.js";
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

  it.each([
    ["parents first, Parquet in order", ["department", "address", "staff", "counterparty"], false],
    ["children first, Parquet in order", ["staff", "counterparty", "department", "address"], false],
    ["parents first, Parquet reversed", ["department", "address", "staff", "counterparty"], true],
    ["children first, Parquet reversed", ["staff", "counterparty", "department", "address"], true],
  ])("moves and renames in both directions: %s", async (_, order, reverseLoads) => {
    const name = `mv_${order[0]}_${reverseLoads ? "r" : "f"}`;
    const { source, warehouse, buckets } = await loadedSample(name);
    try {
      await source.query(`
        UPDATE staff SET department_id = 8, last_updated = '2024-11-20 10:00' WHERE staff_id = 1;
        UPDATE staff SET department_id = 2, last_updated = '2024-11-20 12:00' WHERE staff_id = 3;
        UPDATE department SET department_name = 'Purchasing (renamed)', last_updated = '2024-11-20 11:00' WHERE department_id = 2;
        UPDATE department SET location = 'Hull', last_updated = '2024-11-20 09:00' WHERE department_id = 8;
        UPDATE counterparty SET legal_address_id = 28, last_updated = '2024-11-20 10:00' WHERE counterparty_id = 1;
        UPDATE address SET phone = '0000 renamed', last_updated = '2024-11-20 11:00' WHERE address_id = 15;
        UPDATE address SET city = 'Hull', last_updated = '2024-11-20 09:00' WHERE address_id = 28;`);
      const extracted = await extract({
        source,
        store: buckets.store,
        bucket: buckets.ingestionBucket,
        settleMs: 0,
      });
      const csv = new Map(extracted.tables.filter((t) => t.objectKey).map((t) => [t.table, t.objectKey!]));
      const parquet: string[] = [];
      for (const table of order) {
        const result = await transformObject(buckets, csv.get(table)!);
        parquet.push(...result.outputs.map((o) => o.objectKey));
      }
      if (reverseLoads) parquet.reverse();
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
