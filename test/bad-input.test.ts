import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { BadObjectError } from "../lib/errors.js";
import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { ingestionKey, processedKey } from "../lib/pipeline/keys.js";
import { readQuarantineRecord } from "../lib/pipeline/quarantine.js";
import { MAX_QUARANTINED_ROWS } from "../lib/transform/input.js";
import { transformObject } from "../lib/transform/transform.js";
import { freshPool } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";

const CURRENCY_HEADER = "currency_id,currency_code,created_at,last_updated";
const TS = "2024-11-16 10:00:00.123";

/*
 * A bad row is quarantined: its error (naming table, object, row and column) goes into the
 * object's quarantine record and the other rows go through. An object that cannot be read
 * as the table's CSV fails whole, with the error, and nothing is written for it.
 */
describe("bad input: a clear error naming table, object and row", () => {
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  let warehouse: Pool;
  let sequence = 0;
  const nextStamp = () => `20241116T${String(sequence++).padStart(9, "0")}Z`;

  beforeAll(async () => {
    [buckets, warehouse] = await Promise.all([startObjectStore(), freshPool("bad_wh")]);
  });
  afterAll(async () => {
    await Promise.all([buckets.stop(), warehouse.end()]);
  });

  /** Puts a CSV under a fresh ingestion key and transforms it. */
  async function transformCsv(table: string, csv: string) {
    const key = ingestionKey(table, nextStamp());
    await buckets.store.putBytes(buckets.ingestionBucket, key, csv);
    return { key, result: transformObject(buckets, key) };
  }

  async function processedObjects(source?: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of buckets.store.list(buckets.processedBucket, "tables/"))
      if (!source || o.key.includes(`/${source}-`)) keys.push(o.key);
    return keys;
  }

  /** The quarantine record of an object: its rows' row, column and error. */
  async function quarantined(table: string, key: string) {
    const record = await readQuarantineRecord(buckets.store, buckets.ingestionBucket, table, key);
    return record?.rows.map(({ row, column, error, id }) => ({ row, column, error, id }));
  }

  it("an unknown currency code", async () => {
    const { key, result } = await transformCsv(
      "currency",
      `${CURRENCY_HEADER}\n1,GBP,${TS},${TS}\n2,XXX,${TS},${TS}\n`,
    );
    const done = await result;
    expect(done).toMatchObject({ rowsIn: 2, rowsQuarantined: 1 });
    const rows = await quarantined("currency", key);
    expect(rows).toEqual([{ row: 2, column: "currency_code", id: "2", error: expect.any(String) }]);
    expect(rows![0]!.error).toBe(
      `currency (${key}): row 2, column currency_code: "XXX" is not an ISO 4217 currency code this pipeline knows`,
    );
    // Only the good row went through, under a key that says the output is partial.
    expect(done.outputs).toEqual([expect.objectContaining({ target: "dim_currency", rows: 1 })]);
    expect(done.outputs[0]!.objectKey).toMatch(/currency-\d{8}T\d{9}Z-q[0-9a-f]{8}\.parquet$/);
  });

  it("a date that does not parse, and money with three decimals", async () => {
    const header =
      "sales_order_id,created_at,last_updated,design_id,staff_id,counterparty_id,units_sold,unit_price,currency_id,agreed_delivery_date,agreed_payment_date,agreed_delivery_location_id";
    const good = `1,${TS},${TS},1,1,1,10,3.94,1,2024-11-20,2024-11-21,1`;
    const bad = `2,${TS},${TS},1,1,1,10,3.94,1,2024-13-45,2024-11-21,1`;
    const { key, result } = await transformCsv("sales_order", `${header}\n${good}\n${bad}\n`);
    expect(await result).toMatchObject({ rowsIn: 2, rowsQuarantined: 1 });
    expect(await quarantined("sales_order", key)).toEqual([
      {
        row: 2,
        column: "agreed_delivery_date",
        id: "2",
        error: `sales_order (${key}): row 2, column agreed_delivery_date: "2024-13-45" is not a yyyy-mm-dd date`,
      },
    ]);
    const money = `3,${TS},${TS},1,1,1,10,3.945,1,2024-11-20,2024-11-21,1`;
    const third = await transformCsv("sales_order", `${header}\n${good}\n${money}\n`);
    await third.result;
    expect((await quarantined("sales_order", third.key))![0]!.error).toMatch(
      /row 2, column unit_price: "3.945" is not a numeric\(10,2\)$/,
    );
    // The good row of each went through: a fact row and its calendar, per input.
    expect(await processedObjects("sales_order")).toHaveLength(4);
  });

  it("NULL in a NOT NULL column, and a value outside an enum", async () => {
    const money = await transformCsv("currency", `${CURRENCY_HEADER}\n,GBP,${TS},${TS}\n`);
    expect(await money.result).toMatchObject({ rowsIn: 1, rowsQuarantined: 1, outputs: [] });
    expect((await quarantined("currency", money.key))![0]).toMatchObject({
      id: null,
      error: expect.stringMatching(/^currency .*row 1, column currency_id: NULL is NULL$/),
    });
    const header = "payment_type_id,payment_type_name,created_at,last_updated";
    const bad = await transformCsv(
      "payment_type",
      `${header}\n1,SALES_RECEIPT,${TS},${TS}\n2,GIFT,${TS},${TS}\n`,
    );
    await bad.result;
    expect((await quarantined("payment_type", bad.key))![0]!.error).toMatch(
      /row 2, column payment_type_name: "GIFT" is not one of/,
    );
  });

  it("quotes at most 80 characters of the offending cell, never the row", async () => {
    const long = "Y".repeat(500);
    const created = "2024-11-15 09:08:07.654";
    const { key, result } = await transformCsv(
      "currency",
      `${CURRENCY_HEADER}\n7,${long},${created},${TS}\n`,
    );
    await result;
    const record = await readQuarantineRecord(buckets.store, buckets.ingestionBucket, "currency", key);
    expect(record!.rows[0]!.excerpt).toBe(`${"Y".repeat(79)}…`);
    expect(record!.rows[0]!.error).toContain(`"${"Y".repeat(79)}…" is longer than 3 characters`);
    // The row's id and version identify it; no other cell of it is kept.
    expect(record!.rows[0]).toMatchObject({ id: "7", version: TS });
    expect(JSON.stringify(record)).not.toContain(created);
  });

  it(`more than ${MAX_QUARANTINED_ROWS} bad rows: the whole object fails, nothing written`, async () => {
    const rows = Array.from({ length: MAX_QUARANTINED_ROWS + 1 }, (_, i) => `${i + 1},ZZZ,${TS},${TS}`);
    const before = await processedObjects();
    const { key, result } = await transformCsv("currency", `${CURRENCY_HEADER}\n${rows.join("\n")}\n`);
    await expect(result).rejects.toBeInstanceOf(BadObjectError);
    await expect(result).rejects.toThrow(
      /more than 1000 rows break the contract, so the whole object is refused; the first: .*row 1, column currency_code: "ZZZ"/,
    );
    expect(await processedObjects()).toEqual(before);
    expect(await quarantined("currency", key)).toBeUndefined();
  });

  it("a malformed CSV row (the file itself is damaged): the whole object fails", async () => {
    const { result } = await transformCsv("currency", `${CURRENCY_HEADER}\n1,GBP,${TS}\n`);
    await expect(result).rejects.toBeInstanceOf(BadObjectError);
    await expect(result).rejects.toThrow(
      /^currency \(currency\/.*\.csv\): row 1: has 3 fields where the header has 4$/,
    );
  });

  it("a source table that gained a column (schema drift)", async () => {
    const { result } = await transformCsv("currency", `${CURRENCY_HEADER},symbol\n1,GBP,${TS},${TS},£\n`);
    await expect(result).rejects.toThrow(/schema drift\?\): unknown columns symbol/);
  });

  it("the same row version twice: the first goes through, the repeat is quarantined", async () => {
    const row = `1,GBP,${TS},${TS}`;
    const { key, result } = await transformCsv(
      "currency",
      `${CURRENCY_HEADER}\n${row}\n2,USD,${TS},${TS}\n${row}\n`,
    );
    expect(await result).toMatchObject({ rowsIn: 3, rowsQuarantined: 1, outputs: [{ rows: 2 }] });
    const rows = await quarantined("currency", key);
    expect(rows).toMatchObject([{ row: 3, column: "currency_id" }]);
    expect(rows![0]!.error).toMatch(
      /row 3, column currency_id: .*repeats version 2024-11-16 10:00:00.123 of id 1/,
    );
  });

  it("a key that is not an ingestion key", async () => {
    await expect(transformObject(buckets, "currency/today.csv")).rejects.toThrow(/not an ingestion key/);
  });

  it("a truncated Parquet object", async () => {
    const { result } = await transformCsv("currency", `${CURRENCY_HEADER}\n1,GBP,${TS},${TS}\n`);
    const { outputs } = await result;
    const good = (await buckets.store.getBytes(buckets.processedBucket, outputs[0]!.objectKey))!.body;
    const truncatedKey = processedKey("dim_currency", { table: "currency", stamp: "20991231T000000000Z" });
    await buckets.store.putBytes(buckets.processedBucket, truncatedKey, good.subarray(0, good.length - 20));
    await expect(
      loadObject(
        { store: buckets.store, bucket: buckets.processedBucket, warehouse: postgresWarehouse(warehouse) },
        truncatedKey,
      ),
    ).rejects.toMatchObject({ name: "BadObjectError", table: "dim_currency", objectKey: truncatedKey });
  });
});
