import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { transformObject } from "../lib/transform/transform.js";
import { freshPool } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";

const DEPARTMENT = "department_id,department_name,location,manager,created_at,last_updated";
const STAFF = "staff_id,first_name,last_name,department_id,email_address,created_at,last_updated";
const T0 = "2022-11-03 14:20:49.962";

describe("late and repeated objects never make a dim regress", () => {
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  let warehouse: Pool;
  let sequence = 0;

  beforeAll(async () => {
    [buckets, warehouse] = await Promise.all([startObjectStore(), freshPool("order_wh")]);
  });
  afterAll(async () => {
    await Promise.all([buckets.stop(), warehouse.end()]);
  });

  async function transformed(table: string, csv: string): Promise<string[]> {
    const key = ingestionKey(table, `20241116T${String(sequence++).padStart(9, "0")}Z`);
    await buckets.store.putBytes(buckets.ingestionBucket, key, csv);
    return (await transformObject(buckets, key)).outputs.map((o) => o.objectKey);
  }
  const load = (key: string) =>
    loadObject(
      { store: buckets.store, bucket: buckets.processedBucket, warehouse: postgresWarehouse(warehouse) },
      key,
    );
  const staff = async () => (await warehouse.query("SELECT * FROM dim_staff ORDER BY staff_id")).rows;

  it("a staff CSV before its department's waits for it; the department CSV completes the dim", async () => {
    const staffOut = await transformed("staff", `${STAFF}\n1,Ann,Lee,6,ann@t.com,${T0},${T0}\n`);
    expect(staffOut).toEqual([]);
    const deptOut = await transformed("department", `${DEPARTMENT}\n6,Dispatch,Leds,Mo,${T0},${T0}\n`);
    expect(deptOut).toHaveLength(1);
    await load(deptOut[0]!);
    expect(await staff()).toEqual([
      {
        staff_id: 1,
        first_name: "Ann",
        last_name: "Lee",
        department_name: "Dispatch",
        location: "Leds",
        email_address: "ann@t.com",
      },
    ]);
  });

  it("a newer version loaded first is not overwritten by an older one arriving late", async () => {
    // Newer and older by the reads' commit order (the `_read_order` extract writes), which
    // here agrees with last_updated; test/commit-order.test.ts has them disagree.
    const newer = await transformed(
      "department",
      `${DEPARTMENT},_read_order\n6,Dispatch,Liverpool,Mo,${T0},2024-11-20 16:25:45.036,2000\n`,
    );
    const older = await transformed(
      "department",
      `${DEPARTMENT},_read_order\n6,Dispatch,Leeds,Mo,${T0},2024-11-01 00:00:00,1000\n`,
    );
    await load(newer[0]!);
    const result = await load(older[0]!);
    expect(result.rowsWritten).toBe(0);
    expect((await staff())[0]).toMatchObject({ location: "Liverpool" });
    // The late CSV must not have rolled the stored state back either: a later staff change still joins Liverpool.
    const moved = await transformed(
      "staff",
      `${STAFF}\n1,Ann,Lee-Smith,6,ann@t.com,${T0},2024-11-21 00:00:00\n`,
    );
    await load(moved[0]!);
    expect((await staff())[0]).toMatchObject({ last_name: "Lee-Smith", location: "Liverpool" });
  });

  it("loading the same object twice writes once", async () => {
    const out = await transformed(
      "department",
      `${DEPARTMENT}\n7,Sales,Leeds,Al,${T0},2024-11-22 00:00:00\n`,
    );
    expect(out).toEqual([]); // nobody works in department 7 yet
    const hired = await transformed("staff", `${STAFF}\n2,Bo,Kim,7,bo@t.com,${T0},2024-11-22 00:00:01\n`);
    const first = await load(hired[0]!);
    const second = await load(hired[0]!);
    expect(first.rowsWritten).toBe(1);
    expect(second).toMatchObject({ alreadyLoaded: true, rowsWritten: 0 });
  });
});
