import { expect } from "vitest";
import type { Pool } from "../../lib/db/pool.js";

/*
 * Case 2 of issue 13: four new sales orders, two of them with a value no date can be. Rows are
 * stamped a few seconds in the past, as a writer's would be by the time the next extraction runs
 * (it leaves the last 5 s for the next run), and after the previous run's high mark.
 */

/** The new orders' ids; of them 90002 (delivery 2023-02-30) and 90003 (paying 'tomorrow') are bad. */
export const NEW_ORDERS = [90001, 90002, 90003, 90004];

/** Sales orders 90001–90004, copies of order 2; 90002 and 90003 with an impossible date each. */
export const INSERT_BAD_ORDERS = `
  INSERT INTO sales_order (sales_order_id, created_at, last_updated, design_id, staff_id, counterparty_id,
                           units_sold, unit_price, currency_id, agreed_delivery_date, agreed_payment_date,
                           agreed_delivery_location_id)
  SELECT id, localtimestamp - interval '1 minute', localtimestamp - interval '1 minute', design_id, staff_id,
         counterparty_id, units_sold, unit_price, currency_id,
         CASE id WHEN 90002 THEN '2023-02-30' ELSE agreed_delivery_date END,
         CASE id WHEN 90003 THEN 'tomorrow' ELSE agreed_payment_date END, agreed_delivery_location_id
    FROM sales_order, generate_series(90001, 90004) AS id WHERE sales_order_id = 2`;

/** The fix at the source, re-stamped: each bad date replaced by a real one. */
export const FIX_BAD_ORDERS = `
  UPDATE sales_order SET agreed_delivery_date = '2023-02-28', last_updated = localtimestamp - interval '6 seconds'
   WHERE sales_order_id = 90002;
  UPDATE sales_order SET agreed_payment_date = '2023-03-01', last_updated = localtimestamp - interval '6 seconds'
   WHERE sales_order_id = 90003`;

/** The newest warehouse version of each order, and the source's row, in the same text shape. */
export async function ordersBothSides(source: Pool, warehouse: Pool, ids: readonly number[]) {
  const columns = `sales_order_id, units_sold, unit_price::text AS unit_price, agreed_delivery_date::text AS delivery,
                   agreed_payment_date::text AS payment`;
  const wh = await warehouse.query(
    `SELECT DISTINCT ON (sales_order_id) ${columns},
            to_char(last_updated_date + last_updated_time, 'YYYY-MM-DD HH24:MI:SS.MS') AS last_updated
       FROM fact_sales_order WHERE sales_order_id = ANY($1) ORDER BY sales_order_id, sales_record_id DESC`,
    [ids],
  );
  const src = await source.query(
    `SELECT ${columns}, to_char(last_updated, 'YYYY-MM-DD HH24:MI:SS.MS') AS last_updated
       FROM sales_order WHERE sales_order_id = ANY($1) ORDER BY sales_order_id`,
    [ids],
  );
  return { warehouse: wh.rows, source: src.rows };
}

/**
 * After the fix settled the bad rows: each new order's warehouse version is the source's, and
 * the bad versions never became facts (one row per order).
 */
export async function expectOrdersSettled(source: Pool, warehouse: Pool): Promise<void> {
  const both = await ordersBothSides(source, warehouse, NEW_ORDERS);
  expect(both.warehouse).toHaveLength(4);
  expect(both.warehouse).toEqual(both.source);
  const versions = await warehouse.query(
    "SELECT count(*)::int AS n FROM fact_sales_order WHERE sales_order_id > 90000",
  );
  expect(versions.rows[0].n).toBe(4);
}
