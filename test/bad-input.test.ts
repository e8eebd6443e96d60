import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "../lib/db/pool.js";
import { BadObjectError, BadRowError } from "../lib/errors.js";
import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { ingestionKey, processedKey } from "../lib/pipeline/keys.js";
import { transformObject } from "../lib/transform/transform.js";
import { freshPool } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";

const CURRENCY_HEADER = "currency_id,currency_code,created_at,last_updated";
const TS = "2024-11-16 10:00:00.123";

describe("bad input: a clear error naming table, object and row; nothing written", () => {
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

  async function processedObjects(): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of buckets.store.list(buckets.processedBucket, "tables/")) keys.push(o.key);
    return keys;
  }

  it("an unknown currency code", async () => {
    const { key, result } = await transformCsv(
      "currency",
      `${CURRENCY_HEADER}\n1,GBP,${TS},${TS}\n2,XXX,${TS},${TS}\n`,
    );
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRowError);
    expect(error).toMatchObject({ table: "currency", objectKey: key, row: 2, column: "currency_code" });
    expect((error as Error).message).toContain('"XXX" is not an ISO 4217 currency code');
    expect(await processedObjects()).toEqual([]);
  });

  it("a date that does not parse, and money with three decimals", async () => {
    const header =
      "sales_order_id,created_at,last_updated,design_id,staff_id,counterparty_id,units_sold,unit_price,currency_id,agreed_delivery_date,agreed_payment_date,agreed_delivery_location_id";
    const good = `1,${TS},${TS},1,1,1,10,3.94,1,2024-11-20,2024-11-21,1`;
    const bad = `2,${TS},${TS},1,1,1,10,3.94,1,2024-13-45,2024-11-21,1`;
    const { key, result } = await transformCsv("sales_order", `${header}\n${good}\n${bad}\n`);
    await expect(result).rejects.toMatchObject({
      name: "BadRowError",
      objectKey: key,
      row: 2,
      column: "agreed_delivery_date",
    });
    const money = `3,${TS},${TS},1,1,1,10,3.945,1,2024-11-20,2024-11-21,1`;
    const third = await transformCsv("sales_order", `${header}\n${good}\n${money}\n`);
    await expect(third.result).rejects.toThrow(/row 2, column unit_price: "3.945" is not a numeric\(10,2\)/);
    expect(await processedObjects()).toEqual([]);
  });

  it("NULL in a NOT NULL column, and a value outside an enum", async () => {
    const money = await transformCsv("currency", `${CURRENCY_HEADER}\n,GBP,${TS},${TS}\n`);
    await expect(money.result).rejects.toThrow(/currency .*row 1, column currency_id: NULL is NULL/);
    const header = "payment_type_id,payment_type_name,created_at,last_updated";
    const bad = await transformCsv(
      "payment_type",
      `${header}\n1,SALES_RECEIPT,${TS},${TS}\n2,GIFT,${TS},${TS}\n`,
    );
    await expect(bad.result).rejects.toThrow(/row 2, column payment_type_name: "GIFT" is not one of/);
  });

  it("a malformed CSV row", async () => {
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

  it("the same row version twice", async () => {
    const row = `1,GBP,${TS},${TS}`;
    const { result } = await transformCsv(
      "currency",
      `${CURRENCY_HEADER}\n${row}\n2,USD,${TS},${TS}\n${row}\n`,
    );
    await expect(result).rejects.toMatchObject({ name: "BadRowError", row: 3, column: "currency_id" });
    await expect(result).rejects.toThrow(/repeats version 2024-11-16 10:00:00.123 of id 1/);
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
