import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { loadObject } from "../lib/load/load.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { LEGACY_BASE, snapshotReadOrder } from "../lib/pipeline/read-order.js";
import { currentStateKey } from "../lib/transform/current-state.js";
import { DuckSession } from "../lib/transform/duckdb-session.js";
import { transformObject } from "../lib/transform/transform.js";
import { initSource } from "../tools/source/init.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { tablesDdl } from "../lib/warehouse/schema.js";
import { freshPool } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";

/*
 * A correction: a row version read again with the same last_updated but other values (an
 * edit that left last_updated alone), in a later extraction's CSV. Dims take it, the fact row
 * of that version is corrected in place, and the earlier CSV, however late, never wins back.
 */

const DESIGN = "design_id,created_at,design_name,file_location,file_name,last_updated";
const SALES_ORDER =
  "sales_order_id,created_at,last_updated,design_id,staff_id,counterparty_id,units_sold,unit_price,currency_id,agreed_delivery_date,agreed_payment_date,agreed_delivery_location_id";
const DEPARTMENT = "department_id,department_name,location,manager,created_at,last_updated";
const STAFF = "staff_id,first_name,last_name,department_id,email_address,created_at,last_updated";
const T0 = "2022-11-03 14:20:49.962";
const UPDATED = "2024-11-15 09:00:00.123";

/** Extraction runs in order: run n's stamp, 2026-11-27 04:n0:00.000. */
const stamp = (run: number) => `20261127T04${String(run).padStart(2, "0")}00000Z`;

describe("corrections: the same version read again with other values", () => {
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  let warehouse: Pool;

  beforeAll(async () => {
    [buckets, warehouse] = await Promise.all([startObjectStore(), freshPool("corr_wh")]);
  });
  afterAll(async () => {
    await Promise.all([buckets.stop(), warehouse.end()]);
  });

  /** Stores a CSV as extraction run `run` would, and transforms it: the Parquet keys made. */
  async function extracted(table: string, run: number, csv: string): Promise<string[]> {
    const key = ingestionKey(table, stamp(run));
    await buckets.store.putBytes(buckets.ingestionBucket, key, csv);
    return (await transformObject(buckets, key)).outputs.map((o) => o.objectKey);
  }
  /** Loads each key; rows written per key. */
  async function load(keys: string[]): Promise<number[]> {
    const written: number[] = [];
    for (const key of keys)
      written.push(
        (
          await loadObject(
            {
              store: buckets.store,
              bucket: buckets.processedBucket,
              warehouse: postgresWarehouse(warehouse),
            },
            key,
          )
        ).rowsWritten,
      );
    return written;
  }
  const only = (keys: string[], target: string) => keys.filter((k) => k.startsWith(`tables/${target}/`));
  const query = async (sql: string) => (await warehouse.query(sql)).rows;

  it("dim_design takes a corrected file_location; the earlier CSV, delivered again or late, does not revert it", async () => {
    // Prepare: design 5 read in run 1, then `UPDATE design SET file_location = 'x'` (last_updated untouched).
    const first = await extracted("design", 1, `${DESIGN}\n5,${T0},Wooden,/usr/old,wooden.json,${UPDATED}\n`);
    const corrected = await extracted("design", 2, `${DESIGN}\n5,${T0},Wooden,x,wooden.json,${UPDATED}\n`);
    const design = () => query("SELECT file_location FROM dim_design WHERE design_id = 5");

    // Act
    const written = [...(await load(first)), ...(await load(corrected))];

    // Assess
    expect(written).toEqual([1, 1]);
    expect(await design()).toEqual([{ file_location: "x" }]);

    // Act: run 1's CSV delivered again: transformed and loaded again.
    const again = await extracted("design", 1, `${DESIGN}\n5,${T0},Wooden,/usr/old,wooden.json,${UPDATED}\n`);
    await load(again);

    // Assess
    expect(await design()).toEqual([{ file_location: "x" }]);
  });

  it("dim_design: the correction loaded before the earlier CSV is ever transformed still wins", async () => {
    // Prepare
    const corrected = await extracted("design", 4, `${DESIGN}\n6,${T0},Steel,y,steel.json,${UPDATED}\n`);
    await load(corrected);

    // Act: run 3's CSV reaches the transform only now.
    const late = await extracted("design", 3, `${DESIGN}\n6,${T0},Steel,/usr/old,steel.json,${UPDATED}\n`);
    const written = await load(late);

    // Assess
    expect(written).toEqual([0]);
    expect(await query("SELECT file_location FROM dim_design WHERE design_id = 6")).toEqual([
      { file_location: "y" },
    ]);
  });

  it("a sales_order correction updates its fact row in place: same record id, no new row, no revert", async () => {
    // Prepare: order 7 read in run 5, then `UPDATE sales_order SET units_sold = units_sold + 1` in run 6.
    const order = (units: number) =>
      `${SALES_ORDER}\n7,${T0},${UPDATED},5,1,1,${units},3.94,1,2024-11-20,2024-11-21,1\n`;
    const facts = () =>
      query(
        "SELECT sales_record_id, units_sold, unit_price::text FROM fact_sales_order WHERE sales_order_id = 7",
      );
    const first = only(await extracted("sales_order", 5, order(100)), "fact_sales_order");
    expect(await load(first)).toEqual([1]);
    const [before] = await facts();

    // Act
    const corrected = only(await extracted("sales_order", 6, order(101)), "fact_sales_order");
    const written = await load(corrected);

    // Assess
    expect(written).toEqual([1]);
    expect(await facts()).toEqual([
      { sales_record_id: before!.sales_record_id, units_sold: 101, unit_price: "3.94" },
    ]);

    // Act: run 5's CSV again, run 6's again, and run 7 reading the corrected row unchanged.
    const repeats = [
      ...(await load(only(await extracted("sales_order", 5, order(100)), "fact_sales_order"))),
      ...(await load(only(await extracted("sales_order", 6, order(101)), "fact_sales_order"))),
      ...(await load(only(await extracted("sales_order", 7, order(101)), "fact_sales_order"))),
    ];

    // Assess
    expect(repeats).toEqual([0, 0, 0]);
    expect(await facts()).toEqual([
      { sales_record_id: before!.sales_record_id, units_sold: 101, unit_price: "3.94" },
    ]);
  });

  it("a sales_order correction loaded before the earlier read arrives: the late read is refused", async () => {
    // Prepare
    const order = (units: number) =>
      `${SALES_ORDER}\n8,${T0},${UPDATED},5,1,1,${units},3.94,1,2024-11-20,2024-11-21,1\n`;
    const corrected = only(await extracted("sales_order", 9, order(81)), "fact_sales_order");
    await load(corrected);

    // Act
    const late = only(await extracted("sales_order", 8, order(80)), "fact_sales_order");
    const written = await load(late);

    // Assess
    expect(written).toEqual([0]);
    expect(await query("SELECT units_sold FROM fact_sales_order WHERE sales_order_id = 8")).toEqual([
      { units_sold: 81 },
    ]);
  });

  it("dim_staff takes a staff correction and a department correction, neither touching last_updated", async () => {
    // Prepare
    const staffRow = (lastName: string) => `${STAFF}\n30,Ann,${lastName},40,ann@t.com,${T0},${UPDATED}\n`;
    const deptRow = (location: string) => `${DEPARTMENT}\n40,Dispatch,${location},Mo,${T0},${UPDATED}\n`;
    await extracted("department", 10, deptRow("Leds"));
    await load(await extracted("staff", 10, staffRow("Lee")));
    const staff = () => query("SELECT last_name, location FROM dim_staff WHERE staff_id = 30");
    expect(await staff()).toEqual([{ last_name: "Lee", location: "Leds" }]);

    // Act
    const staffWritten = await load(await extracted("staff", 11, staffRow("Lee-Smith")));
    const deptWritten = await load(await extracted("department", 12, deptRow("Leeds")));

    // Assess
    expect([staffWritten, deptWritten]).toEqual([[1], [1]]);
    expect(await staff()).toEqual([{ last_name: "Lee-Smith", location: "Leeds" }]);

    // Act: the earlier CSVs again, and a late read of the department from between the two.
    await load(await extracted("staff", 10, staffRow("Lee")));
    await load(await extracted("department", 10, deptRow("Leds")));
    const late = await load(await extracted("department", 11, deptRow("Leds")));

    // Assess: refused, and the join state kept the corrections, so a later staff change joins them.
    expect(late).toEqual([0]);
    expect(await staff()).toEqual([{ last_name: "Lee-Smith", location: "Leeds" }]);
    await load(
      await extracted("staff", 13, `${STAFF}\n30,Ann,Lee-Smith,40,ann@t.com,${T0},2024-11-16 00:00:00\n`),
    );
    expect(await staff()).toEqual([{ last_name: "Lee-Smith", location: "Leeds" }]);
  });
});

describe("corrections: state and warehouse kept before read orders were recorded", () => {
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  let warehouse: Pool;

  beforeAll(async () => {
    [buckets, warehouse] = await Promise.all([startObjectStore(), freshPool("corr_old_wh")]);
  });
  afterAll(async () => {
    await Promise.all([buckets.stop(), warehouse.end()]);
  });

  /** The legacy read order of a naive UTC extraction time, as text (int8 as a JS number loses digits). */
  const legacy = (ts: string) => String(LEGACY_BASE + BigInt(Date.parse(`${ts.replace(" ", "T")}Z`)));
  /** When the earlier version extracted staff 99 and sales order 70: after run 5, before run 6. */
  const EXTRACTED = "2026-11-27 04:05:00.250";

  it("reads a stored state without read orders as older than every run, and upgrades dim_version and fact_version", async () => {
    // Prepare: the join states as the transform stored them before: department 40 with neither
    // _read_order nor _extracted_at, staff 99 with the _extracted_at it carried then.
    const workDir = await mkdtemp(path.join(tmpdir(), "corr-"));
    const duck = await DuckSession.open();
    try {
      const file = path.join(workDir, "department.parquet");
      await duck.run(`COPY (SELECT 40::INTEGER AS department_id, 'Dispatch' AS department_name, 'Leds' AS location,
                             'Mo' AS manager, TIMESTAMP '${T0}' AS created_at, TIMESTAMP '${UPDATED}' AS last_updated)
                        TO '${file}' (FORMAT parquet)`);
      await buckets.store.putBytes(
        buckets.processedBucket,
        currentStateKey("department"),
        await readFile(file),
      );
      const staffFile = path.join(workDir, "staff.parquet");
      await duck.run(`COPY (SELECT 99::INTEGER AS staff_id, 'Bo' AS first_name, 'Ng' AS last_name, 40::INTEGER AS department_id,
                             'bo@t.com' AS email_address, TIMESTAMP '${T0}' AS created_at, TIMESTAMP '${UPDATED}' AS last_updated,
                             TIMESTAMP '${EXTRACTED}' AS _extracted_at)
                        TO '${staffFile}' (FORMAT parquet)`);
      await buckets.store.putBytes(
        buckets.processedBucket,
        currentStateKey("staff"),
        await readFile(staffFile),
      );
    } finally {
      await duck.close();
      await rm(workDir, { recursive: true, force: true });
    }
    // A warehouse as the earlier version left it: its stars, staff 99 and order 70 loaded,
    // their versions in dim_version and fact_version (the old DDL; the department was read
    // before extraction times were kept, so at the epoch).
    for (const statement of tablesDdl()) await warehouse.query(statement);
    await warehouse.query(`DROP TABLE totes_meta.dim_read, totes_meta.fact_read, totes_meta.owner;
      CREATE TABLE totes_meta.dim_version (table_name text NOT NULL, natural_id integer NOT NULL,
        version_hi timestamp(3) NOT NULL, version_hi_extracted_at timestamp(3) NOT NULL,
        version_lo timestamp(3) NOT NULL, version_lo_extracted_at timestamp(3) NOT NULL,
        PRIMARY KEY (table_name, natural_id));
      CREATE TABLE totes_meta.fact_version (table_name text NOT NULL, record_id integer NOT NULL,
        extracted_at timestamp(3) NOT NULL, PRIMARY KEY (table_name, record_id));
      INSERT INTO dim_staff VALUES (99, 'Bo', 'Ng', 'Dispatch', 'Leds', 'bo@t.com');
      INSERT INTO totes_meta.dim_version VALUES
        ('dim_staff', 99, '${UPDATED}', '${EXTRACTED}', '${UPDATED}', '1970-01-01 00:00:00');
      INSERT INTO fact_sales_order (sales_order_id, created_date, created_time, last_updated_date, last_updated_time,
          sales_staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id, agreed_payment_date,
          agreed_delivery_date, agreed_delivery_location_id)
        VALUES (70, '2022-11-03', '14:20:49.962', '2024-11-15', '09:00:00.123', 1, 1, 700, 3.94, 1, 5,
          '2024-11-21', '2024-11-20', 1);
      INSERT INTO totes_meta.fact_version
        SELECT 'fact_sales_order', sales_record_id, '${EXTRACTED}' FROM fact_sales_order;`);
    /** Extracts `csv` as run `n` (a stamp, or a snapshot read order in the CSV), transforms and loads it: rows written per target. */
    const run = async (table: string, n: number, csv: string) => {
      const key = ingestionKey(table, stamp(n));
      await buckets.store.putBytes(buckets.ingestionBucket, key, csv);
      const { outputs } = await transformObject(buckets, key);
      const written: Record<string, number> = {};
      for (const o of outputs)
        written[o.target] = (
          await loadObject(
            {
              store: buckets.store,
              bucket: buckets.processedBucket,
              warehouse: postgresWarehouse(warehouse),
            },
            o.objectKey,
          )
        ).rowsWritten;
      return written;
    };
    const rows = async (sql: string) => (await warehouse.query(sql)).rows;
    const staff = () => rows("SELECT staff_id, last_name, location FROM dim_staff ORDER BY staff_id");
    const staffRead = () =>
      rows(`SELECT own_read_order::text AS own, parent_read_order::text AS parent FROM totes_meta.dim_read
             WHERE table_name = 'dim_staff' AND natural_id = 99`);
    const order70 = () =>
      rows("SELECT sales_record_id, units_sold FROM fact_sales_order WHERE sales_order_id = 70");
    const [before] = await order70();

    // Act: a staff row joins the old state (the first load upgrades the warehouse).
    const hired = await run("staff", 1, `${STAFF}\n30,Ann,Lee,40,ann@t.com,${T0},${UPDATED}\n`);

    // Assess: the legacy bookkeeping is in dim_read and fact_read, with the legacy read orders
    // of its extraction times, and gone.
    expect(hired).toEqual({ dim_staff: 1 });
    expect(await staffRead()).toEqual([{ own: legacy(EXTRACTED), parent: String(LEGACY_BASE) }]);
    expect(legacy(EXTRACTED)).not.toBe(legacy("2026-11-27 04:05:00"));
    expect(
      await rows(`SELECT read_order::text AS r FROM totes_meta.fact_read
                   WHERE table_name = 'fact_sales_order' AND record_id = ${before!.sales_record_id}`),
    ).toEqual([{ r: legacy(EXTRACTED) }]);
    expect(
      await rows(
        "SELECT to_regclass('totes_meta.dim_version') AS dim, to_regclass('totes_meta.fact_version') AS fact",
      ),
    ).toEqual([{ dim: null, fact: null }]);

    // Act: the department corrected (same last_updated as the state's row).
    const moved = await run("department", 2, `${DEPARTMENT}\n40,Dispatch,Leeds,Mo,${T0},${UPDATED}\n`);

    // Assess: both staff rows re-joined and taken. Staff 99's state row and its upgraded
    // dim_read row give the same read order to its one legacy read, so the later department
    // read decides.
    expect(moved).toEqual({ dim_staff: 2 });
    expect(await staff()).toEqual([
      { staff_id: 30, last_name: "Lee", location: "Leeds" },
      { staff_id: 99, last_name: "Ng", location: "Leeds" },
    ]);
    expect(await staffRead()).toEqual([{ own: legacy(EXTRACTED), parent: legacy("2026-11-27 04:02:00") }]);

    // Act: reads made before the upgraded ones (run 4, at 04:04), arriving now.
    const earlierStaff = await run("staff", 4, `${STAFF}\n99,Bo,Early,40,bo@t.com,${T0},${UPDATED}\n`);
    const earlierOrder = await run(
      "sales_order",
      4,
      `${SALES_ORDER}\n70,${T0},${UPDATED},5,1,1,704,3.94,1,2024-11-20,2024-11-21,1\n`,
    );

    // Assess: refused.
    expect(earlierStaff.dim_staff ?? 0).toBe(0);
    expect(earlierOrder.fact_sales_order).toBe(0);
    expect(await order70()).toEqual([{ sales_record_id: before!.sales_record_id, units_sold: 700 }]);

    // Act: later reads, by a snapshot (the CSV carries its read order), staff 99's with an
    // older last_updated than the upgraded version: read order decides, never last_updated.
    const snapshot = snapshotReadOrder(5_000n, 0);
    const laterStaff = await run(
      "staff",
      7,
      `${STAFF},_read_order\n99,Bo,Ng-Lee,40,bo@t.com,${T0},2024-01-01 00:00:00,${snapshot}\n`,
    );
    const laterOrder = await run(
      "sales_order",
      7,
      `${SALES_ORDER},_read_order\n70,${T0},${UPDATED},5,1,1,701,3.94,1,2024-11-20,2024-11-21,1,${snapshot}\n`,
    );

    // Assess: taken; the fact row corrected in place.
    expect(laterStaff).toEqual({ dim_staff: 1 });
    expect(await staff()).toEqual([
      { staff_id: 30, last_name: "Lee", location: "Leeds" },
      { staff_id: 99, last_name: "Ng-Lee", location: "Leeds" },
    ]);
    expect(await staffRead()).toEqual([{ own: String(snapshot), parent: legacy("2026-11-27 04:02:00") }]);
    expect(laterOrder.fact_sales_order).toBe(1);
    expect(await order70()).toEqual([{ sales_record_id: before!.sales_record_id, units_sold: 701 }]);
  });
});

describe("corrections in any delivery order, with duplicates, give the in-order result", () => {
  let objects: Awaited<ReturnType<typeof startObjectStore>>;
  const ingestionBucket = "ingestion-shuffle";
  const order = (units: number) =>
    `${SALES_ORDER}\n11,${T0},${UPDATED},9,60,1,${units},3.94,1,2024-11-20,2024-11-21,1\n`;
  const design = (location: string) => `${DESIGN}\n9,${T0},Oak,${location},oak.json,${UPDATED}\n`;
  const staff = (lastName: string) => `${STAFF}\n60,Bo,${lastName},50,bo@t.com,${T0},${UPDATED}\n`;
  const department = (location: string) => `${DEPARTMENT}\n50,Sales,${location},Al,${T0},${UPDATED}\n`;
  /** Three runs; every value is corrected at least once, design 9's correction is undone in run 3. */
  const runs: [string, string][][] = [
    [
      ["department", department("Leds")],
      ["staff", staff("Kim")],
      ["design", design("/a")],
      ["sales_order", order(1)],
    ],
    [
      ["staff", staff("Kim-Lee")],
      ["design", design("/b")],
      ["sales_order", order(2)],
    ],
    [
      ["department", department("Leeds")],
      ["design", design("/a")],
      ["sales_order", order(3)],
    ],
  ];
  const keys: string[] = [];

  beforeAll(async () => {
    objects = await startObjectStore();
    await objects.createBucket(ingestionBucket);
    for (const [i, run] of runs.entries())
      for (const [table, csv] of run) {
        const key = ingestionKey(table, stamp(21 + i));
        await objects.store.putBytes(ingestionBucket, key, csv);
        keys.push(key);
      }
  });
  afterAll(async () => {
    await objects.stop();
  });

  /** A small deterministic shuffle (mulberry32). */
  function shuffled<T>(items: readonly T[], seed: number): T[] {
    let a = seed >>> 0;
    const random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  it.each([
    ["in order", 0],
    ["seed 1", 1],
    ["seed 2", 2],
    ["seed 3", 3],
  ])("%s", async (_, seed) => {
    // Prepare
    const processedBucket = `processed-shuffle-${seed}`;
    await objects.createBucket(processedBucket);
    const buckets = { store: objects.store, ingestionBucket, processedBucket };
    const warehouse = await freshPool(`corr_shuffle_${seed}`);
    try {
      const deliveries = seed === 0 ? keys : shuffled([...keys, ...keys.slice(0, 3 + seed)], seed);
      const loads = new Set<string>();

      // Act: transform in one order, load in another, some of them twice.
      for (const key of deliveries)
        for (const o of (await transformObject(buckets, key)).outputs) loads.add(o.objectKey);
      const ordered = seed === 0 ? [...loads] : shuffled([...loads, ...[...loads].slice(0, seed)], seed + 10);
      for (const key of ordered)
        await loadObject(
          { store: objects.store, bucket: processedBucket, warehouse: postgresWarehouse(warehouse) },
          key,
        );

      // Assess
      const rows = async (sql: string) => (await warehouse.query(sql)).rows;
      expect(await rows("SELECT last_name, location FROM dim_staff")).toEqual([
        { last_name: "Kim-Lee", location: "Leeds" },
      ]);
      expect(await rows("SELECT file_location FROM dim_design")).toEqual([{ file_location: "/a" }]);
      expect(await rows("SELECT units_sold FROM fact_sales_order")).toEqual([{ units_sold: 3 }]);
    } finally {
      await warehouse.end();
    }
  });
});

describe("corrections end to end: edits that leave last_updated alone, through extraction", () => {
  it("after the next run dim_design shows the new file_location, and order 7's fact row the new units, same record id, no new row", async () => {
    // Prepare
    const [objects, source, warehouse] = await Promise.all([
      startObjectStore(),
      freshPool("corr_e2e_src"),
      freshPool("corr_e2e_wh"),
    ]);
    try {
      await initSource(source);
      await runStages(objects, source, warehouse);
      const order7 = () =>
        warehouse.query("SELECT sales_record_id, units_sold FROM fact_sales_order WHERE sales_order_id = 7");
      const factRows = async () =>
        Number((await warehouse.query("SELECT count(*)::int AS n FROM fact_sales_order")).rows[0].n);
      const [before] = (await order7()).rows;
      const rowsBefore = await factRows();

      // Act
      await source.query(`
        UPDATE design SET file_location = 'x' WHERE design_id = 5;
        UPDATE sales_order SET units_sold = units_sold + 1 WHERE sales_order_id = 7;`);
      const { loads } = await runStages(objects, source, warehouse);

      // Assess
      expect(
        (await warehouse.query("SELECT file_location FROM dim_design WHERE design_id = 5")).rows,
      ).toEqual([{ file_location: "x" }]);
      expect((await order7()).rows).toEqual([
        { sales_record_id: before.sales_record_id, units_sold: before.units_sold + 1 },
      ]);
      expect(await factRows()).toBe(rowsBefore);
      const written = Object.fromEntries(
        loads.filter((l) => l.rowsWritten > 0).map((l) => [l.table, l.rowsWritten]),
      );
      expect(written).toEqual({ dim_design: 1, fact_sales_order: 1 });

      // Act: a run with nothing new writes nothing.
      const again = await runStages(objects, source, warehouse);

      // Assess
      expect(again.loads.reduce((n, l) => n + l.rowsWritten, 0)).toBe(0);
    } finally {
      await Promise.all([objects.stop(), source.end(), warehouse.end()]);
    }
  });
});
