import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOURCE_TABLES, columnNames } from "../lib/catalog/index.js";
import type { Pool } from "../lib/db/pool.js";
import { quoteIdent } from "../lib/db/identifiers.js";
import { DEFAULT_SAMPLE, SAMPLES_DIR, initSource } from "../tools/source/init.js";
import { freshPool } from "./helpers/databases.js";

/** Postgres prints 0-3 fractional digits; the sample always 3. */
const normalise = (value: string | null): string | null => {
  if (value === null || value === "") return null;
  const [whole = "", fraction = ""] = value.split(".");
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(whole) && /^\d{0,6}$/.test(fraction)) {
    return `${whole}.${fraction.padEnd(3, "0")}`;
  }
  if (value === "True" || value === "t") return "true";
  if (value === "False" || value === "f") return "false";
  return value;
};

describe("totesys source", () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await freshPool("source_init");
  });
  afterAll(() => pool.end());

  it("creates the live schema and loads the 2024-11-15 sample", async () => {
    const result = await initSource(pool);
    expect(result).toEqual({
      created: true,
      counts: { salesOrders: 11187, purchaseOrders: 4649, payments: 15836 },
    });
  });

  it("is safe to run twice", async () => {
    const again = await initSource(pool);
    expect(again.created).toBe(false);
    expect(again.counts.salesOrders).toBe(11187);
  });

  it("round-trips every value of the sample", async () => {
    for (const table of SOURCE_TABLES) {
      const file = path.join(SAMPLES_DIR, DEFAULT_SAMPLE, `${table.name}.csv`);
      const sample = parse(readFileSync(file), { columns: true }) as Record<string, string>[];
      const columns = columnNames(table);
      const select = columns.map((c) => `${quoteIdent(c)}::text`).join(", ");
      const { rows } = await pool.query<Record<string, string | null>>(
        `SELECT ${select} FROM ${quoteIdent(table.name)} ORDER BY ${quoteIdent(table.primaryKey)}`,
      );
      const asRows = (records: Record<string, string | null | undefined>[]) =>
        records
          .map((r) => columns.map((c) => normalise(r[c] ?? null)))
          .sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(asRows(rows), table.name).toEqual(asRows(sample));
    }
  });

  it("keeps the types of the live database", async () => {
    const { rows } = await pool.query<{ table_name: string; column_name: string; t: string }>(
      `SELECT table_name, column_name, format_type(atttypid, atttypmod) AS t
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = quote_ident(c.table_name)::regclass AND a.attname = c.column_name
        WHERE table_schema = 'public'`,
    );
    const typeOf = (t: string, c: string) => rows.find((r) => r.table_name === t && r.column_name === c)?.t;
    expect(typeOf("sales_order", "unit_price")).toBe("numeric(10,2)");
    expect(typeOf("sales_order", "last_updated")).toBe("timestamp(3) without time zone");
    expect(typeOf("sales_order", "agreed_delivery_date")).toBe("text");
    expect(typeOf("payment_type", "payment_type_name")).toBe('"PaymentTypeName"');
    expect(typeOf("transaction", "transaction_type")).toBe('"TransactionType"');
  });

  it("keeps NULL apart from the empty string, milliseconds and 2-dp money", async () => {
    await pool.query(
      `INSERT INTO address (address_line_1, address_line_2, district, city, postal_code, country, phone, last_updated)
       VALUES ('1 Test Way', '', NULL, 'Leds', '', 'X', '0', '2024-11-16 10:00:00.007')`,
    );
    const { rows } = await pool.query(
      `SELECT address_line_2, district, last_updated FROM address WHERE address_line_1 = '1 Test Way'`,
    );
    expect(rows[0]).toEqual({ address_line_2: "", district: null, last_updated: "2024-11-16 10:00:00.007" });
    const money = await pool.query(`SELECT unit_price FROM sales_order WHERE sales_order_id = 2`);
    expect(money.rows[0]).toEqual({ unit_price: "3.94" });
  });

  it("enforces the foreign keys and their delete rules", async () => {
    await expect(pool.query("DELETE FROM currency WHERE currency_id = 1")).rejects.toThrow(/foreign key/);
    const cols = await pool.query<{ confdeltype: string; conname: string }>(
      `SELECT conname, confdeltype FROM pg_constraint WHERE conrelid = 'transaction'::regclass AND contype = 'f'`,
    );
    expect(cols.rows.map((r) => r.confdeltype)).toEqual(["n", "n"]);
  });
});
