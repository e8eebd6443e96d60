import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { quoteLiteral } from "../lib/db/identifiers.js";
import { BadObjectError, LoadError } from "../lib/errors.js";
import { loadObject } from "../lib/load/load.js";
import { ingestionKey } from "../lib/pipeline/keys.js";
import { legacyReadOrder } from "../lib/pipeline/read-order.js";
import { DuckSession } from "../lib/transform/duckdb-session.js";
import { transformObject } from "../lib/transform/transform.js";
import { RANGE_BUCKET, RANGE_MIN_ROWS } from "../lib/warehouse/apply-sql.js";
import { KEYS_AFTER_MIN_ROWS, postgresWarehouse } from "../lib/warehouse/postgres.js";
import { freshPool } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";

/**
 * When the warehouse holds none of an object's versions (a first load; for facts, every load
 * but a correction or re-read), the load copies it straight into its table, with no stage and
 * no version guards, and lets the table's keys refuse it otherwise (then the general path
 * runs). What it writes must be exactly what the general path writes, versions included, so
 * that every later load is guarded as before.
 */

const SALES_ORDER =
  "sales_order_id,created_at,last_updated,design_id,staff_id,counterparty_id,units_sold,unit_price,currency_id,agreed_delivery_date,agreed_payment_date,agreed_delivery_location_id";
const CURRENCY = "currency_id,currency_code,created_at,last_updated";
const T0 = "2022-11-03 14:20:49.962";
const UPDATED = "2024-11-15 09:00:00.123";
/** Each test its own hour of 2026-11-27 (the CSVs share one bucket); run n at minute n. */
let hour = 0;
const stampAt = (h: number, run: number) =>
  `20261127T${String(h).padStart(2, "0")}${String(run).padStart(2, "0")}00000Z`;
const stamp = (run: number) => stampAt(hour, run);
/**
 * The read order of run n's rows, as text (int8 as a JS number would lose digits): the CSVs
 * here carry no `_read_order`, so each row has its run stamp's legacy read order.
 */
const at = (run: number) => String(legacyReadOrder(stamp(run)));
const order = (id: number, units: number, updated = UPDATED) =>
  `${id},${T0},${updated},5,1,1,${units},3.94,1,2024-11-20,2024-11-21,1`;

describe("loading straight into the table", () => {
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  let dir: string;
  let duck: DuckSession;
  const pools: Pool[] = [];

  beforeAll(async () => {
    buckets = await startObjectStore();
    dir = await mkdtemp(path.join(tmpdir(), "totes-first-load-"));
    duck = await DuckSession.open();
  });
  afterAll(async () => {
    await duck.close();
    await Promise.all([buckets.stop(), ...pools.map((p) => p.end())]);
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    hour++;
  });

  async function warehouse(): Promise<Pool> {
    const pool = await freshPool("first_wh");
    pools.push(pool);
    return pool;
  }
  /** Transforms a CSV stored as extraction run `run`; the key of its output for `target`. */
  async function extracted(table: string, run: number, lines: string[], target: string): Promise<string> {
    const header = table === "currency" ? CURRENCY : SALES_ORDER;
    const key = ingestionKey(table, stamp(run));
    await buckets.store.putBytes(buckets.ingestionBucket, key, `${header}\n${lines.join("\n")}\n`);
    const outputs = (await transformObject(buckets, key)).outputs.filter((o) => o.target === target);
    expect(outputs).toHaveLength(1);
    return outputs[0]!.objectKey;
  }
  /**
   * A processed object rewritten by DuckDB (`select` reads `read_parquet(<the original>)`, given
   * as `from`), stored under the stamp of run `run` instead of `was`: an object the transform
   * would never write. Its key.
   */
  let rewrites = 0;
  async function rewritten(key: string, was: number, run: number, select: (from: string) => string) {
    const original = path.join(dir, `original-${++rewrites}.parquet`);
    const changed = path.join(dir, `rewritten-${rewrites}.parquet`);
    await writeFile(original, (await buckets.store.getBytes(buckets.processedBucket, key))!.body);
    await duck.run(
      `COPY (${select(`read_parquet(${quoteLiteral(original)})`)}) TO ${quoteLiteral(changed)} (FORMAT parquet)`,
    );
    const rewrittenKey = key.replace(stamp(was), stamp(run));
    await buckets.store.putBytes(buckets.processedBucket, rewrittenKey, await readFile(changed));
    return rewrittenKey;
  }
  const doubled = (from: string) => `SELECT * FROM ${from} UNION ALL SELECT * FROM ${from}`;
  const load = (pool: Pool, key: string) =>
    loadObject(
      { store: buckets.store, bucket: buckets.processedBucket, warehouse: postgresWarehouse(pool) },
      key,
    );
  const facts = async (pool: Pool) =>
    (
      await pool.query(
        `SELECT f.sales_record_id, f.sales_order_id, f.units_sold, v.read_order::text AS read_order
           FROM fact_sales_order f LEFT JOIN totes_meta.fact_read v
             ON v.table_name = 'fact_sales_order' AND v.record_id = f.sales_record_id
          ORDER BY f.sales_order_id, f.sales_record_id`,
      )
    ).rows;

  it("writes a fact and its versions exactly as the general path does, and guards the next load", async () => {
    // Prepare: the same object into an empty fact (first load) and into one holding another order.
    const first = await extracted("sales_order", 2, [order(1, 10), order(2, 20)], "fact_sales_order");
    const other = await extracted("sales_order", 0, [order(99, 1)], "fact_sales_order");
    const [fresh, general] = [await warehouse(), await warehouse()];
    await load(general, other);

    // Act
    const results = [await load(fresh, first), await load(general, first)];

    // Assess
    expect(results.map((r) => [r.rowsIn, r.rowsWritten])).toEqual([
      [2, 2],
      [2, 2],
    ]);
    const withoutOther = (await facts(general)).filter((r) => r.sales_order_id !== 99);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ sales_record_id: _, ...r }) => r);
    expect(strip(await facts(fresh))).toEqual(strip(withoutOther));
    expect(await facts(fresh)).toEqual([
      { sales_record_id: 1, sales_order_id: 1, units_sold: 10, read_order: at(2) },
      { sales_record_id: 2, sales_order_id: 2, units_sold: 20, read_order: at(2) },
    ]);

    // A correction (later read, same version) is taken in place; an earlier read is refused.
    const corrected = await extracted("sales_order", 3, [order(1, 11)], "fact_sales_order");
    const earlier = await extracted("sales_order", 1, [order(2, 19)], "fact_sales_order");
    expect((await load(fresh, corrected)).rowsWritten).toBe(1);
    expect((await load(fresh, earlier)).rowsWritten).toBe(0);
    expect((await facts(fresh)).map((r) => [r.sales_record_id, r.units_sold])).toEqual([
      [1, 11],
      [2, 20],
    ]);
  });

  it("a later object of new versions goes straight in too, its rows' read order recorded, the older rows' kept", async () => {
    // Prepare
    const pool = await warehouse();
    await load(pool, await extracted("sales_order", 1, [order(1, 10)], "fact_sales_order"));

    // Act: a new version of order 1 (an edit that moved last_updated) and a new order.
    const later = await extracted(
      "sales_order",
      2,
      [order(1, 11, "2024-11-16 10:00:00"), order(2, 20)],
      "fact_sales_order",
    );
    const result = await load(pool, later);

    // Assess
    expect(result.rowsWritten).toBe(2);
    expect(
      (await facts(pool)).map((r) => [r.sales_record_id, r.sales_order_id, r.units_sold, r.read_order]),
    ).toEqual([
      [1, 1, 10, at(1)],
      [2, 1, 11, at(2)],
      [3, 2, 20, at(2)],
    ]);
  });

  it("a large object copied straight in records its read once per bucket of record ids, and every later load and the current view are judged by it", async () => {
    // Prepare: record ids that start just below a bucket's end, so the range spans two buckets.
    const pool = await warehouse();
    const many = Array.from({ length: RANGE_MIN_ROWS + 5 }, (_, i) => order(i + 1, 10));
    const big = await extracted("sales_order", 2, many, "fact_sales_order");
    await load(pool, await extracted("sales_order", 1, [order(RANGE_MIN_ROWS + 100, 1)], "fact_sales_order"));
    await pool.query("DELETE FROM fact_sales_order");
    const start = RANGE_BUCKET - 500;
    await pool.query(`ALTER TABLE fact_sales_order ALTER COLUMN sales_record_id RESTART WITH ${start}`);

    // Act
    const loaded = await load(pool, big);

    // Assess: no row per fact row; one range per bucket, split at the bucket's end.
    expect(loaded.rowsWritten).toBe(RANGE_MIN_ROWS + 5);
    const last = start + RANGE_MIN_ROWS + 4;
    expect((await pool.query("SELECT count(*)::int AS n FROM totes_meta.fact_read")).rows[0].n).toBe(0);
    expect(
      (
        await pool.query(
          `SELECT bucket, first_record, last_record, read_order::text AS read_order
             FROM totes_meta.fact_read_range WHERE table_name = 'fact_sales_order' ORDER BY bucket`,
        )
      ).rows,
    ).toEqual([
      { bucket: 0, first_record: start, last_record: RANGE_BUCKET - 1, read_order: at(2) },
      { bucket: 1, first_record: RANGE_BUCKET, last_record: last, read_order: at(2) },
    ]);

    // An earlier read of a version it holds is refused, on either side of the bucket boundary;
    // a later read corrects in place, its row's own read recorded.
    const rows = await facts(pool);
    const inBucket = (bucket: number) =>
      rows.find((r) => Math.floor(r.sales_record_id / RANGE_BUCKET) === bucket)!.sales_order_id as number;
    const [low, high] = [inBucket(0), inBucket(1)];
    const earlier = await extracted("sales_order", 1, [order(low, 9), order(high, 9)], "fact_sales_order");
    expect((await load(pool, earlier)).rowsWritten).toBe(0);
    const corrected = await extracted("sales_order", 3, [order(high, 11)], "fact_sales_order");
    expect((await load(pool, corrected)).rowsWritten).toBe(1);
    // A later commit with an earlier stamp (a new version of `low`, read last) is its current one.
    const backdated = await extracted(
      "sales_order",
      4,
      [order(low, 12, "2024-11-14 09:00:00")],
      "fact_sales_order",
    );
    expect((await load(pool, backdated)).rowsWritten).toBe(1);
    const current = await pool.query(
      `SELECT sales_order_id, units_sold FROM fact_sales_order_current WHERE sales_order_id IN (${low}, ${high}) ORDER BY 1`,
    );
    expect(current.rows).toEqual(
      [
        { sales_order_id: low, units_sold: 12 },
        { sales_order_id: high, units_sold: 11 },
      ].sort((a, b) => a.sales_order_id - b.sales_order_id),
    );
    expect((await pool.query("SELECT count(*)::int AS n FROM fact_sales_order_current")).rows[0].n).toBe(
      RANGE_MIN_ROWS + 5,
    );
  }, 60_000);

  it("an object whose rows carry two read orders takes the general path, each row keeping its own", async () => {
    // Prepare: a transform output rewritten so that order 2 says it was read an hour earlier
    // (legacy read orders count milliseconds).
    const key = await extracted("sales_order", 3, [order(1, 10), order(2, 20)], "fact_sales_order");
    const mixedKey = await rewritten(
      key,
      3,
      53,
      (from) =>
        `SELECT * REPLACE (CASE WHEN sales_order_id = 2 THEN _read_order - 3600000 ELSE _read_order END AS _read_order) FROM ${from}`,
    );
    const pool = await warehouse();

    // Act
    const result = await load(pool, mixedKey);

    // Assess
    expect(result.rowsWritten).toBe(2);
    expect((await facts(pool)).map((r) => [r.sales_order_id, r.units_sold, r.read_order])).toEqual([
      [1, 10, at(3)],
      [2, 20, String(legacyReadOrder(stampAt(hour - 1, 3)))],
    ]);
  });

  it("forgets the versions recorded for the rows of an emptied fact", async () => {
    // Prepare: a loaded fact whose rows were deleted (their fact_read rows left behind).
    const pool = await warehouse();
    await load(pool, await extracted("sales_order", 4, [order(1, 10)], "fact_sales_order"));
    await pool.query("DELETE FROM fact_sales_order");
    await pool.query("ALTER TABLE fact_sales_order ALTER COLUMN sales_record_id RESTART WITH 1");

    // Act: the same version read earlier, and a new order.
    const earlier = await extracted("sales_order", 1, [order(1, 9), order(3, 30)], "fact_sales_order");
    const result = await load(pool, earlier);

    // Assess: loaded as new, versions of this object only.
    expect(result.rowsWritten).toBe(2);
    expect(await facts(pool)).toEqual([
      { sales_record_id: 1, sales_order_id: 1, units_sold: 9, read_order: at(1) },
      { sales_record_id: 2, sales_order_id: 3, units_sold: 30, read_order: at(1) },
    ]);
    const versions = await pool.query("SELECT count(*)::int AS n FROM totes_meta.fact_read");
    expect(versions.rows[0].n).toBe(2);
  });

  it("refuses an object holding one version twice, writing nothing, naming the table and object", async () => {
    // Prepare: a Parquet object with order 1's version twice (the transform never writes one).
    const key = await extracted("sales_order", 5, [order(1, 10)], "fact_sales_order");
    const doubledKey = await rewritten(key, 5, 55, doubled);
    const pool = await warehouse();

    // Act
    const error = await load(pool, doubledKey).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LoadError);
    expect(String((error as Error).message)).toContain("fact_sales_order");
    expect(String((error as Error).message)).toContain(doubledKey);
    expect(await facts(pool)).toEqual([]);
    expect((await pool.query("SELECT count(*)::int AS n FROM totes_meta.loaded_object")).rows[0].n).toBe(0);
  });

  /** fact_sales_order's primary and unique keys, as the catalog defines them. */
  const keysOf = async (pool: Pool) =>
    (
      await pool.query(
        `SELECT conname, contype, pg_get_constraintdef(oid) AS definition FROM pg_constraint
          WHERE conrelid = 'public.fact_sales_order'::regclass AND contype IN ('p', 'u') ORDER BY conname`,
      )
    ).rows;
  const largeOrders = () => Array.from({ length: KEYS_AFTER_MIN_ROWS + 5 }, (_, i) => order(i + 1, 10));

  it("a large object into an empty table gets its keys built after the rows: the same keys, refusing a repeat", async () => {
    // Prepare
    const pool = await warehouse();
    await postgresWarehouse(pool).ensureSchema();
    const keys = await keysOf(pool);
    const big = await extracted("sales_order", 1, largeOrders(), "fact_sales_order");

    // Act
    const loaded = await load(pool, big);

    // Assess: every row in, the keys as they were, and they refuse what they refused before.
    expect(loaded.rowsWritten).toBe(KEYS_AFTER_MIN_ROWS + 5);
    expect(await keysOf(pool)).toEqual(keys);
    expect(keys.map((k) => k.contype).sort()).toEqual(["p", "u"]);
    await expect(
      pool.query(
        `INSERT INTO fact_sales_order (sales_order_id, created_date, created_time, last_updated_date, last_updated_time, sales_staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id, agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id)
         SELECT sales_order_id, created_date, created_time, last_updated_date, last_updated_time, sales_staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id, agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id
           FROM fact_sales_order WHERE sales_order_id = 7`,
      ),
    ).rejects.toMatchObject({ code: "23505" });
  }, 60_000);

  it("a large object holding one version twice, into an empty table, is refused whole, the keys kept", async () => {
    // Prepare
    const key = await extracted("sales_order", 2, largeOrders(), "fact_sales_order");
    const doubledKey = await rewritten(key, 2, 52, doubled);
    const pool = await warehouse();
    await postgresWarehouse(pool).ensureSchema();
    const keys = await keysOf(pool);

    // Act
    const error = await load(pool, doubledKey).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LoadError);
    expect(String((error as Error).message)).toContain("fact_sales_order");
    expect(await facts(pool)).toEqual([]);
    expect(await keysOf(pool)).toEqual(keys);
  }, 60_000);

  it("a large object into an empty table another session is reading neither waits for it nor drops its keys", async () => {
    // Prepare: an analyst's open transaction holding the table.
    const pool = await warehouse();
    await postgresWarehouse(pool).ensureSchema();
    const keys = await keysOf(pool);
    const big = await extracted("sales_order", 3, largeOrders(), "fact_sales_order");
    const reader = await pool.connect();
    try {
      await reader.query("BEGIN");
      await reader.query("SELECT count(*) FROM fact_sales_order");

      // Act: the load must not queue behind the reader (the test would time out).
      const loaded = await load(pool, big);

      // Assess
      expect(loaded.rowsWritten).toBe(KEYS_AFTER_MIN_ROWS + 5);
    } finally {
      await reader.query("COMMIT");
      reader.release();
    }
    expect(await keysOf(pool)).toEqual(keys);
    expect((await pool.query("SELECT count(*)::int AS n FROM fact_sales_order")).rows[0].n).toBe(
      KEYS_AFTER_MIN_ROWS + 5,
    );
  }, 60_000);

  it("inserts a dim and its read orders; a later read is taken whatever its last_updated, an earlier read arriving later is refused", async () => {
    // Prepare
    const pool = await warehouse();
    const current = await extracted("currency", 1, [`1,GBP,${T0},${UPDATED}`], "dim_currency");
    const olderStamp = await extracted("currency", 2, [`1,EUR,${T0},2024-01-01 00:00:00`], "dim_currency");
    const newer = await extracted("currency", 3, [`1,USD,${T0},2024-12-01 00:00:00`], "dim_currency");
    const earlier = await extracted("currency", 0, [`1,JPY,${T0},2024-12-02 00:00:00`], "dim_currency");

    // Act
    const written = [(await load(pool, current)).rowsWritten, (await load(pool, olderStamp)).rowsWritten];
    const afterOlderStamp = (await pool.query("SELECT currency_code FROM dim_currency")).rows;
    written.push((await load(pool, newer)).rowsWritten, (await load(pool, earlier)).rowsWritten);

    // Assess
    // Rule changed (issue 22): run 2's read carries an older last_updated than run 1's, and is
    // still taken: versions are ordered by read order, never by last_updated (it was refused).
    expect(written.slice(0, 2)).toEqual([1, 1]);
    expect(afterOlderStamp).toEqual([{ currency_code: "EUR" }]);
    // Run 0's read, loaded after run 3's, is refused whatever its (newer) last_updated.
    expect(written.slice(2)).toEqual([1, 0]);
    expect((await pool.query("SELECT currency_code FROM dim_currency")).rows).toEqual([
      { currency_code: "USD" },
    ]);
    const versions = await pool.query(
      "SELECT own_read_order::text AS own, parent_read_order::text AS parent FROM totes_meta.dim_read WHERE table_name = 'dim_currency'",
    );
    expect(versions.rows).toEqual([{ own: at(3), parent: at(3) }]);
  });

  /** The ranges of reads recorded for dim_currency, and its ids with a read of their own. */
  async function dimReads(pool: Pool) {
    const ranges = await pool.query(
      `SELECT bucket, first_id, last_id, own_read_order::text AS own, parent_read_order::text AS parent
         FROM totes_meta.dim_read_range WHERE table_name = 'dim_currency' ORDER BY first_id`,
    );
    const own = await pool.query(
      `SELECT natural_id, own_read_order::text AS own FROM totes_meta.dim_read
        WHERE table_name = 'dim_currency' ORDER BY natural_id`,
    );
    return { ranges: ranges.rows, own: own.rows };
  }
  const currency = (id: number, code: string, updated = UPDATED) => `${id},${code},${T0},${updated}`;
  /** Ids from `first` to `last`, as currency rows. */
  const currencies = (first: number, last: number, code = "GBP") =>
    Array.from({ length: last - first + 1 }, (_, i) => currency(first + i, code));

  it("a large dim object copied straight in records its read once per run of ids it holds; an id it lacks is judged by its own reads", async () => {
    // Prepare: two runs of ids, one across a bucket's end, a gap between them, and two lone ids.
    const pool = await warehouse();
    const B = RANGE_BUCKET;
    const gap = B - 200;
    const lines = [
      currency(7, "GBP"),
      currency(9, "GBP"),
      ...currencies(B - 1500, gap - 1),
      ...currencies(gap + 1, B + 1000),
    ];
    const big = await extracted("currency", 2, lines, "dim_currency");

    // Act
    const loaded = await load(pool, big);

    // Assess: a range per run and bucket, a row each for the lone ids.
    expect(loaded.rowsWritten).toBe(lines.length);
    expect(await dimReads(pool)).toEqual({
      ranges: [
        { bucket: 0, first_id: B - 1500, last_id: gap - 1, own: at(2), parent: at(2) },
        { bucket: 0, first_id: gap + 1, last_id: B - 1, own: at(2), parent: at(2) },
        { bucket: 1, first_id: B, last_id: B + 1000, own: at(2), parent: at(2) },
      ],
      own: [
        { natural_id: 7, own: at(2) },
        { natural_id: 9, own: at(2) },
      ],
    });

    // The gap's id, read earlier and arriving later, is taken: the object never held it.
    expect(
      (await load(pool, await extracted("currency", 1, [currency(gap, "EUR")], "dim_currency"))).rowsWritten,
    ).toBe(1);
    // Earlier reads of ids it held are refused, in either bucket and for a lone id.
    const earlier = await extracted(
      "currency",
      1,
      [currency(9, "EUR"), currency(gap - 1, "EUR"), currency(B + 1000, "EUR")],
      "dim_currency",
    );
    expect((await load(pool, earlier)).rowsWritten).toBe(0);
    // A later read is taken and recorded as that id's own, which then decides for it.
    const later = await extracted("currency", 3, [currency(B - 1500, "USD")], "dim_currency");
    expect((await load(pool, later)).rowsWritten).toBe(1);
    const between = await extracted("currency", 2, [currency(B - 1500, "JPY")], "dim_currency");
    expect((await load(pool, between)).rowsWritten).toBe(0);
    const codes = await pool.query(
      `SELECT currency_id, currency_code FROM dim_currency WHERE currency_id IN (${[9, gap, gap - 1, B + 1000, B - 1500].join(", ")}) ORDER BY 1`,
    );
    expect(codes.rows).toEqual([
      { currency_id: 9, currency_code: "GBP" },
      { currency_id: B - 1500, currency_code: "USD" },
      { currency_id: gap - 1, currency_code: "GBP" },
      { currency_id: gap, currency_code: "EUR" },
      { currency_id: B + 1000, currency_code: "GBP" },
    ]);
    expect((await dimReads(pool)).own).toEqual([
      { natural_id: 7, own: at(2) },
      { natural_id: 9, own: at(2) },
      { natural_id: B - 1500, own: at(3) },
      { natural_id: gap, own: at(1) },
    ]);
  }, 60_000);

  it("a dim row deleted from a recorded range still refuses earlier reads, and takes a later one through the general path", async () => {
    // Prepare
    const pool = await warehouse();
    await load(pool, await extracted("currency", 2, currencies(1, RANGE_MIN_ROWS + 10), "dim_currency"));
    expect((await dimReads(pool)).ranges).toHaveLength(1);
    await pool.query("DELETE FROM dim_currency WHERE currency_id IN (5, 6)");

    // Act
    const stale = await load(pool, await extracted("currency", 1, [currency(5, "EUR")], "dim_currency"));
    const newer = await load(pool, await extracted("currency", 3, [currency(6, "USD")], "dim_currency"));

    // Assess
    expect([stale.rowsWritten, newer.rowsWritten]).toEqual([0, 1]);
    expect(
      (await pool.query("SELECT currency_id, currency_code FROM dim_currency WHERE currency_id IN (5, 6)"))
        .rows,
    ).toEqual([{ currency_id: 6, currency_code: "USD" }]);
    expect((await dimReads(pool)).own).toEqual([{ natural_id: 6, own: at(3) }]);
  }, 60_000);

  it("a dim object whose rows carry different reads records each id's own", async () => {
    // Prepare: a large object, one id's row from a later read than the others'.
    const key = await extracted("currency", 4, currencies(1, RANGE_MIN_ROWS + 10), "dim_currency");
    const mixed = await rewritten(
      key,
      4,
      44,
      (from) =>
        `SELECT * REPLACE (CASE WHEN currency_id = 3 THEN _own_read_order + 1 ELSE _own_read_order END AS _own_read_order) FROM ${from}`,
    );
    const pool = await warehouse();

    // Act
    await load(pool, mixed);

    // Assess
    const reads = await dimReads(pool);
    expect(reads.ranges).toEqual([]);
    expect(reads.own).toHaveLength(RANGE_MIN_ROWS + 10);
    expect(reads.own.find((r) => r.natural_id === 3)?.own).toBe(String(BigInt(at(4)) + 1n));
    expect(reads.own.find((r) => r.natural_id === 4)?.own).toBe(at(4));
  }, 60_000);

  it("refuses a dim object holding one id twice, writing neither rows nor read orders", async () => {
    // Prepare
    const key = await extracted("currency", 6, [`3,GBP,${T0},${UPDATED}`], "dim_currency");
    const doubledKey = await rewritten(key, 6, 56, doubled);
    const pool = await warehouse();

    // Act
    const error = await load(pool, doubledKey).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LoadError);
    expect(String((error as Error).message)).toContain("dim_currency");
    expect((await pool.query("SELECT * FROM dim_currency")).rows).toEqual([]);
    expect((await pool.query("SELECT * FROM totes_meta.dim_read")).rows).toEqual([]);
  });

  it("a dim emptied by deletes keeps refusing reads earlier than it recorded", async () => {
    // Prepare: the dim row deleted (as backfill --delete-missing does), its read order kept.
    const pool = await warehouse();
    await load(pool, await extracted("currency", 4, [`2,GBP,${T0},${UPDATED}`], "dim_currency"));
    await pool.query("DELETE FROM dim_currency");

    // Act: an earlier read of the deleted row.
    const stale = await extracted("currency", 1, [`2,EUR,${T0},2024-01-01 00:00:00`], "dim_currency");
    const result = await load(pool, stale);

    // Assess
    expect(result.rowsWritten).toBe(0);
    expect((await pool.query("SELECT * FROM dim_currency")).rows).toEqual([]);
  });

  describe("the calendar", () => {
    const calendar = async (pool: Pool) =>
      (await pool.query("SELECT * FROM dim_date ORDER BY date_id")).rows as Record<string, unknown>[];
    const span = async (pool: Pool) =>
      (
        await pool.query(
          `SELECT min(date_id)::text AS first, max(date_id)::text AS last, count(*)::int AS days,
                  (max(date_id) - min(date_id) + 1)::int AS width FROM dim_date`,
        )
      ).rows[0] as { first: string; last: string; days: number; width: number };
    const ordered = (id: number, delivery: string) =>
      `${id},${T0},${UPDATED},5,1,1,1,3.94,1,${delivery},2024-11-21,1`;

    it("a first object goes straight in; one within the span adds nothing; one past it adds the days between", async () => {
      // Prepare
      const first = await extracted("sales_order", 1, [order(1, 10)], "dim_date");
      const within = await extracted("sales_order", 2, [ordered(2, "2024-01-02")], "dim_date");
      const past = await extracted("sales_order", 3, [ordered(3, "2025-02-03")], "dim_date");
      const pool = await warehouse();

      // Act
      const results = [await load(pool, first), await load(pool, within)];
      const before = await span(pool);
      const third = await load(pool, past);

      // Assess: the object's days, then no more, then the table reaches 2025-02-03 with no gap.
      expect(results.map((r) => r.rowsWritten)).toEqual([results[0]!.rowsIn, 0]);
      expect(before).toMatchObject({ first: "2022-11-03", last: "2024-11-21" });
      expect(before.days).toBe(before.width);
      expect(third.rowsWritten).toBe(third.rowsIn - before.days);
      const after = await span(pool);
      expect(after).toMatchObject({ first: "2022-11-03", last: "2025-02-03" });
      expect(after.days).toBe(after.width);
      expect(
        (await pool.query("SELECT day_name, month_name FROM dim_date WHERE date_id = '2025-02-03'")).rows,
      ).toEqual([{ day_name: "Monday", month_name: "February" }]);
    });

    it("an object with a gap or a day twice, into an empty table, is loaded as the general path does: the same contiguous calendar", async () => {
      // Prepare: the same calendar, one with a day left out, one with every day twice.
      const key = await extracted("sales_order", 4, [order(1, 10)], "dim_date");
      const gapped = await rewritten(
        key,
        4,
        44,
        (from) => `SELECT * FROM ${from} WHERE date_id <> '2023-06-01'`,
      );
      const twice = await rewritten(key, 4, 45, doubled);
      const [straight, withGap, withTwice] = [await warehouse(), await warehouse(), await warehouse()];

      // Act
      await load(straight, key);
      await load(withGap, gapped);
      await load(withTwice, twice);

      // Assess
      const expected = await calendar(straight);
      expect(expected.length).toBeGreaterThan(700);
      expect(await calendar(withGap)).toEqual(expected);
      expect(await calendar(withTwice)).toEqual(expected);
    });

    it("a day missing from the table is filled by the next calendar object, even one within the span", async () => {
      // Prepare
      const pool = await warehouse();
      await load(pool, await extracted("sales_order", 5, [order(1, 10)], "dim_date"));
      const expected = await calendar(pool);
      await pool.query("DELETE FROM dim_date WHERE date_id = '2023-06-01'");

      // Act
      const result = await load(
        pool,
        await extracted("sales_order", 6, [ordered(2, "2024-01-02")], "dim_date"),
      );

      // Assess
      expect(result.rowsWritten).toBe(1);
      expect(await calendar(pool)).toEqual(expected);
    });

    it("an object of days apart from the table's span gets the days between too", async () => {
      // Prepare: a calendar to 2024-11-21, then one of 2026-01-01 to 2026-01-04 alone.
      const pool = await warehouse();
      await load(pool, await extracted("sales_order", 7, [order(1, 10)], "dim_date"));
      const later = `2,2026-01-01 10:00:00,2026-01-02 10:00:00,5,1,1,1,3.94,1,2026-01-03,2026-01-04,1`;
      const apart = await extracted("sales_order", 8, [later], "dim_date");

      // Act
      const result = await load(pool, apart);

      // Assess
      const after = await span(pool);
      expect(after).toMatchObject({ first: "2022-11-03", last: "2026-01-04" });
      expect(after.days).toBe(after.width);
      expect(result.rowsIn).toBe(4);
      expect(result.rowsWritten).toBe(after.days - 750);
    });

    it("an object reaching below the span, or past both ends, adds the days outside it, contiguous", async () => {
      // Prepare: a calendar of 2022-11-03 to 2024-11-21; one from 2022-10-01; one to 2025-01-10 as well.
      const pool = await warehouse();
      await load(pool, await extracted("sales_order", 9, [order(1, 10)], "dim_date"));
      const before = await span(pool);
      const below = `2,2022-10-01 10:00:00,2022-11-05 10:00:00,5,1,1,1,3.94,1,2022-11-05,2022-11-05,1`;
      const both = `3,2022-09-01 10:00:00,2022-11-05 10:00:00,5,1,1,1,3.94,1,2025-01-10,2022-11-05,1`;

      // Act
      const first = await load(pool, await extracted("sales_order", 10, [below], "dim_date"));
      const middle = await span(pool);
      const second = await load(pool, await extracted("sales_order", 11, [both], "dim_date"));
      const after = await span(pool);

      // Assess
      expect(before).toMatchObject({ first: "2022-11-03", last: "2024-11-21", days: 750 });
      expect(middle).toMatchObject({ first: "2022-10-01", last: "2024-11-21" });
      expect(first.rowsWritten).toBe(middle.days - before.days);
      expect(first.rowsWritten).toBe(33);
      expect(after).toMatchObject({ first: "2022-09-01", last: "2025-01-10" });
      expect(second.rowsWritten).toBe(after.days - middle.days);
      expect(second.rowsWritten).toBe(30 + 50);
      for (const s of [middle, after]) expect(s.days).toBe(s.width);
    });

    it("a calendar object lacking a column is refused whether or not the table already holds its days", async () => {
      // Prepare: the same bad object (no day_name) into an empty warehouse and into one holding its days.
      const key = await extracted("sales_order", 12, [order(1, 10)], "dim_date");
      const bad = await rewritten(key, 12, 62, (from) => `SELECT * EXCLUDE (day_name) FROM ${from}`);
      const [empty, holding] = [await warehouse(), await warehouse()];
      await load(holding, key);

      // Act
      const errors = [
        await load(empty, bad).catch((e: unknown) => e),
        await load(holding, bad).catch((e: unknown) => e),
      ];

      // Assess
      for (const error of errors) {
        expect(error).toBeInstanceOf(BadObjectError);
        expect(String((error as Error).message)).toMatch(/dim_date.*day_name/s);
      }
    });

    it("a fact copied straight in moves the identity past its ids: the general path's rows come after them", async () => {
      // Prepare: three orders copied straight in, then an object whose rows carry two read orders.
      const pool = await warehouse();
      const identity = async () =>
        Number(
          (
            await pool.query(
              "SELECT pg_sequence_last_value(pg_get_serial_sequence('fact_sales_order', 'sales_record_id')::regclass) AS v",
            )
          ).rows[0].v,
        );
      await load(
        pool,
        await extracted("sales_order", 13, [order(1, 10), order(2, 20), order(5, 50)], "fact_sales_order"),
      );
      const afterDirect = await identity();
      const later = await extracted("sales_order", 14, [order(3, 30), order(4, 40)], "fact_sales_order");
      const twoReads = await rewritten(
        later,
        14,
        64,
        (from) =>
          `SELECT * REPLACE (CASE WHEN sales_order_id = 4 THEN _read_order + 1 ELSE _read_order END AS _read_order) FROM ${from}`,
      );

      // Act
      const result = await load(pool, twoReads);

      // Assess
      expect(afterDirect).toBe(3);
      expect(result.rowsWritten).toBe(2);
      const rows = await facts(pool);
      expect(rows.map((r) => r.sales_order_id)).toEqual([1, 2, 3, 4, 5]);
      const ids = new Map(rows.map((r) => [r.sales_order_id, r.sales_record_id]));
      expect([ids.get(1), ids.get(2), ids.get(5)]).toEqual([1, 2, 3]);
      expect(ids.get(3)).toBeGreaterThan(3);
      expect(ids.get(4)).toBeGreaterThan(3);
    });
  });
});
