import { expect } from "vitest";
import { CURRENCY_NAMES } from "../../lib/catalog/index.js";
import type { Pool } from "../../lib/db/pool.js";

type Row = Record<string, unknown>;
const sorted = (rows: Row[], key: string) => [...rows].sort((a, b) => Number(a[key]) - Number(b[key]));

/** Each dim must equal the SQL join of its source tables, computed on the source. */
export async function expectDimsEqualSourceJoin(source: Pool, warehouse: Pool): Promise<void> {
  const pairs: [string, string, string][] = [
    [
      "SELECT staff_id, first_name, last_name, department_name, location, email_address FROM staff JOIN department USING (department_id)",
      "SELECT * FROM dim_staff",
      "staff_id",
    ],
    [
      `SELECT address_id AS location_id, address_line_1, address_line_2, district, city, postal_code, country, phone FROM address`,
      "SELECT * FROM dim_location",
      "location_id",
    ],
    [
      "SELECT design_id, design_name, file_location, file_name FROM design",
      "SELECT * FROM dim_design",
      "design_id",
    ],
    [
      `SELECT counterparty_id, counterparty_legal_name, address_line_1 AS counterparty_legal_address_line_1,
                address_line_2 AS counterparty_legal_address_line_2, district AS counterparty_legal_district,
                city AS counterparty_legal_city, postal_code AS counterparty_legal_postal_code,
                country AS counterparty_legal_country, phone AS counterparty_legal_phone_number
           FROM counterparty JOIN address ON address_id = legal_address_id`,
      "SELECT * FROM dim_counterparty",
      "counterparty_id",
    ],
    [
      "SELECT payment_type_id, payment_type_name::text FROM payment_type",
      "SELECT * FROM dim_payment_type",
      "payment_type_id",
    ],
    [
      "SELECT transaction_id, transaction_type::text, sales_order_id, purchase_order_id FROM transaction",
      "SELECT * FROM dim_transaction",
      "transaction_id",
    ],
  ];
  for (const [sourceSql, dimSql, key] of pairs) {
    const expected = sorted((await source.query(sourceSql)).rows, key);
    const actual = sorted((await warehouse.query(dimSql)).rows, key);
    expect(actual, dimSql).toEqual(expected);
  }
  const currencies = (await source.query("SELECT currency_id, currency_code FROM currency")).rows.map(
    (r) => ({
      ...r,
      currency_name: CURRENCY_NAMES[r.currency_code],
    }),
  );
  expect(sorted((await warehouse.query("SELECT * FROM dim_currency")).rows, "currency_id")).toEqual(
    sorted(currencies, "currency_id"),
  );
}
