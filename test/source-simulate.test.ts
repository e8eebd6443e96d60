import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SOURCE_TABLES, type Column } from "../lib/catalog/index.js";
import { createPool, type Pool } from "../lib/db/pool.js";
import { quoteIdent } from "../lib/db/identifiers.js";
import { initSource } from "../tools/source/init.js";
import { simulate, type SimulationSummary } from "../tools/source/simulate.js";
import { checkForeignKeys, suspendForeignKeyTriggers } from "../tools/source/simulate-sql.js";
import { withTransaction } from "../lib/db/pool.js";
import { freshDatabaseUrl, freshPool } from "./helpers/databases.js";

/** Every table as pk → (last_updated, whole row), to see exactly what a run changed. */
type Dump = Map<string, Map<number, { createdAt: string; lastUpdated: string; row: string }>>;

interface Before {
  dump: Dump;
  maxLastUpdated: string;
  firstIds: Record<string, number>;
  unpaid: number[];
}

const STAMP = `'YYYY-MM-DD HH24:MI:SS.MS'`;

async function dump(pool: Pool): Promise<Dump> {
  const tables: Dump = new Map();
  for (const table of SOURCE_TABLES) {
    const { rows } = await pool.query<{ id: number; ca: string; lu: string; row: string }>(
      `SELECT ${quoteIdent(table.primaryKey)} AS id, to_char(created_at, ${STAMP}) AS ca,
              to_char(last_updated, ${STAMP}) AS lu, row_to_json(t)::text AS row
         FROM ${quoteIdent(table.name)} t`,
    );
    tables.set(
      table.name,
      new Map(rows.map((r) => [r.id, { createdAt: r.ca, lastUpdated: r.lu, row: r.row }])),
    );
  }
  return tables;
}

async function before(pool: Pool): Promise<Before> {
  const d = await dump(pool);
  const all = [...d.values()].flatMap((rows) => [...rows.values()].map((r) => r.lastUpdated));
  const firstIds: Record<string, number> = {};
  for (const [table, rows] of d) firstIds[table] = Math.max(0, ...rows.keys()) + 1;
  const { rows } = await pool.query<{ id: number }>("SELECT payment_id AS id FROM payment WHERE NOT paid");
  return { dump: d, maxLastUpdated: all.sort().at(-1)!, firstIds, unpaid: rows.map((r) => r.id) };
}

/** Rows of a table with ids from `first` on, as JSON text in id order. */
async function newRows(pool: Pool, table: string, first: number): Promise<string[]> {
  const pk = quoteIdent(SOURCE_TABLES.find((t) => t.name === table)!.primaryKey);
  const { rows } = await pool.query<{ row: string }>(
    `SELECT row_to_json(t)::text AS row FROM ${quoteIdent(table)} t WHERE ${pk} >= $1 ORDER BY ${pk}`,
    [first],
  );
  return rows.map((r) => r.row);
}

/** Each new order: one transaction and one payment, same instant, exact amount, same parties. */
async function expectOrdersComplete(pool: Pool, kind: "sales" | "purchase", first: number): Promise<number> {
  const [order, units, price, typeName, txType] =
    kind === "sales"
      ? ["sales_order", "units_sold", "unit_price", "SALES_RECEIPT", "SALE"]
      : ["purchase_order", "item_quantity", "item_unit_price", "PURCHASE_PAYMENT", "PURCHASE"];
  const id = quoteIdent(`${order}_id`);
  const { rows } = await pool.query<Record<string, string | number | boolean | null>>(
    `SELECT o.${id} AS id, o.created_at = t.created_at AND t.created_at = p.created_at AS same_instant,
            t.last_updated = t.created_at AS tx_untouched, o.last_updated >= o.created_at AS order_ok,
            t.transaction_type::text AS tx_type, pt.payment_type_name::text AS payment_type,
            p.payment_amount = o.${quoteIdent(units)} * o.${quoteIdent(price)} AS exact,
            p.counterparty_id = o.counterparty_id AND p.currency_id = o.currency_id AS same_parties,
            p.payment_date = o.agreed_payment_date AS same_due,
            p.company_ac_number BETWEEN 10000000 AND 99999999
              AND p.counterparty_ac_number BETWEEN 10000000 AND 99999999 AS accounts,
            o.agreed_payment_date::date - o.created_at::date BETWEEN 0 AND 10 AS due_soon
       FROM ${quoteIdent(order)} o
       LEFT JOIN "transaction" t ON t.${id} = o.${id}
       LEFT JOIN payment p ON p.transaction_id = t.transaction_id
       LEFT JOIN payment_type pt ON pt.payment_type_id = p.payment_type_id
      WHERE o.${id} >= $1 ORDER BY 1`,
    [first],
  );
  const { rows: count } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${quoteIdent(order)} WHERE ${id} >= $1`,
    [first],
  );
  expect(rows.length, `${order}: one transaction and payment each`).toBe(count[0]!.n);
  for (const row of rows)
    expect(row, `${order} ${row.id}`).toEqual({
      id: row.id,
      same_instant: true,
      tx_untouched: true,
      order_ok: true,
      tx_type: txType,
      payment_type: typeName,
      exact: true,
      same_parties: true,
      same_due: true,
      accounts: true,
      due_soon: true,
    });
  return rows.length;
}

/**
 * Days mode's daily runs (issue 24, 10): each pays at most its day's share of the source's
 * paid-per-day rate, oldest due date first, every one due on its run day; no payment left
 * open was due before one the runs paid.
 */
async function expectRateLimitedPaymentRuns(pool: Pool, was: Before, s: SimulationSummary): Promise<number> {
  const { rows } = await pool.query<{ id: number; paid: boolean; lu: string; due: string }>(
    `SELECT payment_id AS id, paid, to_char(last_updated, ${STAMP}) AS lu, payment_date AS due
       FROM payment WHERE payment_id >= $1 OR payment_id = ANY($2::int[])`,
    [was.firstIds.payment, was.unpaid],
  );
  const perDay = new Map<string, number>();
  const paidNow = rows.filter((r) => r.paid);
  for (const row of paidNow) {
    const day = row.lu.slice(0, 10);
    expect(day >= s.firstDay && day <= s.lastDay, `payment ${row.id} paid on a simulated day`).toBe(true);
    expect(row.lu.slice(11, 19)).toBe("07:55:11");
    expect(row.due <= day, `payment ${row.id} due by its run`).toBe(true);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const rate = s.rates!.paymentsPaid;
  for (const [day, n] of perDay)
    expect(n, `paid on ${day}`).toBeLessThanOrEqual(Math.round(rate) + Math.max(2, Math.round(rate * 0.2)));
  const latestPaidDue = paidNow.reduce((m, r) => (r.due > m ? r.due : m), "");
  const skipped = rows.filter((r) => !r.paid && r.due < latestPaidDue && r.due <= s.lastDay);
  expect(
    skipped.map((r) => r.id),
    "older due payments left open while newer ones were paid",
  ).toEqual([]);
  expect(paidNow.length).toBe(s.paymentsPaid);
  return paidNow.length;
}

/** The daily runs: every payment the runs should have paid is paid, at its run, and no other. */
async function expectPaymentRuns(pool: Pool, was: Before, s: SimulationSummary): Promise<number> {
  if (s.mode === "days") return expectRateLimitedPaymentRuns(pool, was, s);
  const { rows } = await pool.query<{ id: number; paid: boolean; lu: string; run_day: string }>(
    `SELECT payment_id AS id, paid, to_char(last_updated, ${STAMP}) AS lu,
            greatest(payment_date, (created_at::date + 1)::text, $2) AS run_day
       FROM payment WHERE payment_id >= $1 OR payment_id = ANY($3::int[])`,
    [was.firstIds.payment, s.firstDay, was.unpaid],
  );
  const runInstants = new Map<string, Set<string>>();
  let paid = 0;
  for (const row of rows) {
    expect(row.paid, `payment ${row.id} due by run ${row.run_day}`).toBe(row.run_day <= s.lastDay);
    if (!row.paid) continue;
    paid++;
    expect(row.lu.slice(0, 10), `payment ${row.id} paid on its run day`).toBe(row.run_day);
    expect(row.lu.slice(11, 19)).toBe("07:55:11");
    runInstants.set(row.run_day, (runInstants.get(row.run_day) ?? new Set()).add(row.lu));
  }
  for (const [day, instants] of runInstants) expect(instants.size, `one run on ${day}`).toBe(1);
  expect(paid).toBe(s.paymentsPaid);
  return paid;
}

/**
 * Old rows are either untouched or stamped after everything there was; nothing vanished.
 * Returns the rows updated in place per table: old rows changed, new rows changed after creation.
 */
async function expectChangesAfter(pool: Pool, was: Before): Promise<Record<string, number>> {
  const now = await dump(pool);
  const changed: Record<string, number> = {};
  for (const [table, rows] of now) {
    const old = was.dump.get(table)!;
    for (const id of old.keys()) expect(rows.has(id), `${table} ${id} kept`).toBe(true);
    for (const [id, row] of rows) {
      if (old.get(id)?.row === row.row) continue;
      expect(row.lastUpdated > was.maxLastUpdated, `${table} ${id} stamped after the old maximum`).toBe(true);
      if (old.has(id) || row.lastUpdated !== row.createdAt) changed[table] = (changed[table] ?? 0) + 1;
    }
  }
  return changed;
}

/** Every foreign key of the catalog holds (the constraints say so too; this reads the data). */
async function expectNoDanglingReferences(pool: Pool): Promise<void> {
  for (const table of SOURCE_TABLES)
    for (const column of table.columns as readonly Column[]) {
      const ref = column.references;
      if (!ref) continue;
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${quoteIdent(table.name)} c
          WHERE c.${quoteIdent(column.name)} IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM ${quoteIdent(ref.table)} r WHERE r.${quoteIdent(ref.column)} = c.${quoteIdent(column.name)})`,
      );
      expect(rows[0]!.n, `${table.name}.${column.name}`).toBe(0);
    }
}

async function expectAllInvariants(pool: Pool, was: Before, s: SimulationSummary): Promise<void> {
  expect(await expectOrdersComplete(pool, "sales", was.firstIds.sales_order!)).toBe(s.salesOrders);
  expect(await expectOrdersComplete(pool, "purchase", was.firstIds.purchase_order!)).toBe(s.purchaseOrders);
  await expectPaymentRuns(pool, was, s);
  const changed = await expectChangesAfter(pool, was);
  // Payments change by being paid (counted apart) or with an amended order.
  const { payment: _payments, ...others } = changed;
  const { payment: _amended, ...updates } = s.updates;
  // A row changed twice in a run counts once here.
  expect(Object.keys(others).sort()).toEqual(Object.keys(updates).sort());
  for (const [table, rows] of Object.entries(others))
    expect(rows, table).toBeLessThanOrEqual(updates[table as keyof typeof updates]!);
  await expectNoDanglingReferences(pool);
}

/** Copies of one initialised database: a sample load each is slower than a template copy. */
async function cloneOf(template: string, name: string): Promise<Pool> {
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  // A lost server rejects the query in flight; without a listener its 'error' event would crash the run.
  admin.on("error", () => undefined);
  await admin.connect();
  const clone = `${template}_${name}`;
  await admin.query(`CREATE DATABASE ${quoteIdent(clone)} TEMPLATE ${quoteIdent(template)}`);
  await admin.end();
  const url = new URL(inject("pgAdminUrl"));
  url.pathname = `/${clone}`;
  return createPool(url.toString());
}

describe("totes source simulate", () => {
  const pools: Pool[] = [];
  let template: string;
  const open = async (name: string) => {
    const pool = await cloneOf(template, name);
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    const url = await freshDatabaseUrl("source_sim");
    const pool = createPool(url);
    await initSource(pool);
    await pool.end();
    template = new URL(url).pathname.slice(1);
  });
  afterAll(() => Promise.all(pools.map((p) => p.end())));

  describe("three days", () => {
    let pool: Pool;
    let was: Before;
    let summary: SimulationSummary;
    beforeAll(async () => {
      pool = await open("days");
      was = await before(pool);
      summary = await simulate(pool, { days: 3, seed: 7 });
    });

    it("starts the day after the latest change and covers three days", () => {
      expect(was.maxLastUpdated).toBe("2024-11-15 14:40:10.188");
      expect(summary).toMatchObject({ mode: "days", seed: "7", days: 3, firstDay: "2024-11-16" });
      expect(summary.lastDay).toBe("2024-11-18");
      expect(summary.from! > was.maxLastUpdated).toBe(true);
      expect(summary.to! < "2024-11-19").toBe(true);
    });

    it("adds about 15 sales and 6 purchase orders a day", () => {
      expect(summary.salesOrders).toBeGreaterThanOrEqual(30);
      expect(summary.salesOrders).toBeLessThanOrEqual(60);
      expect(summary.purchaseOrders).toBeGreaterThanOrEqual(9);
      expect(summary.purchaseOrders).toBeLessThanOrEqual(30);
      expect(summary.transactions).toBe(summary.salesOrders + summary.purchaseOrders);
      expect(summary.payments).toBe(summary.transactions);
    });

    it("keeps every invariant: complete orders, payment runs, later stamps, foreign keys", async () => {
      await expectAllInvariants(pool, was, summary);
      // The sample's backlog (6,127 payments due and unpaid) is paid at its own pace, about
      // 13 a day, not all on the first day (issue 24, 10).
      expect(summary.paymentsPaid).toBeGreaterThanOrEqual(3 * 10);
      expect(summary.paymentsPaid).toBeLessThanOrEqual(3 * 16);
    });

    it("takes its daily rates from the source's own history", () => {
      expect(summary.rates!.salesOrders).toBeCloseTo(11187 / 744, 2);
      expect(summary.rates!.purchaseOrders).toBeCloseTo(4649 / 744, 2);
      expect(summary.rates!.paymentsPaid).toBeCloseTo(9648 / 744, 2);
    });

    it("writes realistic values", async () => {
      const { rows } = await pool.query<Record<string, string>>(
        `SELECT min(units_sold) AS min_units, max(units_sold) AS max_units, min(unit_price)::text AS min_price,
                max(unit_price)::text AS max_price, bool_and(agreed_delivery_date ~ '^\\d{4}-\\d\\d-\\d\\d$') AS dates
           FROM sales_order WHERE sales_order_id >= $1`,
        [was.firstIds.sales_order],
      );
      const r = rows[0]!;
      expect(Number(r.min_units)).toBeGreaterThanOrEqual(1000);
      expect(Number(r.max_units)).toBeLessThanOrEqual(99_999);
      expect(r.min_price! >= "2.00" && r.max_price! <= "4.00").toBe(true);
      expect(r.dates).toBe(true);
      const codes = await pool.query<{ ok: boolean }>(
        `SELECT bool_and(item_code ~ '^[A-Z0-9]{7}$') AS ok FROM purchase_order WHERE purchase_order_id >= $1`,
        [was.firstIds.purchase_order],
      );
      expect(codes.rows[0]!.ok).toBe(true);
    });

    it("continues the serial sequences after its rows", async () => {
      for (const table of ["sales_order", "purchase_order", "transaction", "payment", "design"]) {
        const pk = `${table}_id`;
        const { rows } = await pool.query<{ next: number; max: number }>(
          `SELECT nextval(pg_get_serial_sequence($1, $2))::int AS next,
                  (SELECT max(${quoteIdent(pk)}) FROM ${quoteIdent(table)})::int AS max`,
          [quoteIdent(table), pk],
        );
        expect(rows[0]!.next, table).toBe(rows[0]!.max + 1);
      }
    });

    it("is deterministic: the same seed on the same data writes the same rows, another seed others", async () => {
      const same = await open("same");
      const other = await open("other");
      await simulate(same, { days: 3, seed: 7 });
      await simulate(other, { days: 3, seed: 8 });
      expect(await dump(same)).toEqual(await dump(pool));
      const newSales = (p: Pool) => newRows(p, "sales_order", was.firstIds.sales_order!);
      expect(await newSales(other)).not.toEqual(await newSales(pool));
    });

    it("continues after an earlier run, and updates reference data over a month", async () => {
      const again = await before(pool);
      const second = await simulate(pool, { days: 2, seed: 7 });
      expect(second.firstDay).toBe("2024-11-19");
      await expectAllInvariants(pool, again, second);

      const month = await before(pool);
      const thirty = await simulate(pool, { days: 30, seed: 7 });
      await expectAllInvariants(pool, month, thirty);
      expect(Object.keys(thirty.updates).length).toBeGreaterThanOrEqual(3);
      expect(thirty.designs).toBeGreaterThanOrEqual(15);
    });
  });

  it("bulk-appends at scale with the same invariants", async () => {
    const pool = await open("scale");
    const was = await before(pool);
    const progress: string[] = [];
    const summary = await simulate(pool, {
      scale: 0.002,
      seed: 3,
      onProgress: (p) => progress.push(p.table),
    });
    expect(summary).toMatchObject({
      mode: "scale",
      firstDay: "2024-11-16",
      salesOrders: 2000,
      purchaseOrders: Math.round((2000 * 4649) / 11187),
      transactions: 2831,
      payments: 2831,
      designs: 0,
      updates: {},
    });
    expect(summary.days).toBeGreaterThan(100);
    expect(new Set(progress)).toEqual(new Set(["sales_order", "purchase_order", "transaction", "payment"]));
    await expectAllInvariants(pool, was, summary);
    const more = await before(pool);
    const next = await simulate(pool, { days: 1 });
    expect(next.firstDay > summary.lastDay).toBe(true);
    await expectAllInvariants(pool, more, next);
  });

  it("never stamps after the present: days end yesterday (UTC), and a source stamped today gets none", async () => {
    const pool = await open("present");
    // The sample's newest change is 2024-11-15 14:40; "now" is three days later.
    const now = new Date("2024-11-18T09:00:00Z");
    const two = await simulate(pool, { days: 5, seed: 2, now });
    expect(two).toMatchObject({ days: 2, firstDay: "2024-11-16", lastDay: "2024-11-17", skippedDays: 3 });
    expect(two.to! < "2024-11-18").toBe(true);
    const { rows } = await pool.query<{ latest: string }>(
      `SELECT max(to_char(greatest(created_at, last_updated), ${STAMP})) AS latest FROM payment`,
    );
    expect(rows[0]!.latest < "2024-11-18").toBe(true);
    // Now the source's newest change is yesterday: nothing is left before the present.
    await expect(simulate(pool, { days: 1, now })).rejects.toThrow(
      "nothing to simulate: the source's newest change is on 2024-11-17, and simulated days end yesterday (UTC)",
    );
    // A source stamped today (a live one) is not stamped tomorrow.
    await pool.query("UPDATE currency SET last_updated = now() WHERE currency_id = 1");
    await expect(simulate(pool, { days: 1 })).rejects.toThrow(/^nothing to simulate/);
  });

  it("catches a dangling reference when a bulk run has suspended the key triggers", async () => {
    const pool = await open("dangling");
    const attempt = withTransaction(pool, async (client) => {
      expect(await suspendForeignKeyTriggers(client)).toBe(true);
      // A copy of an existing order pointing at staff that does not exist.
      await client.query(
        "CREATE TEMP TABLE bad ON COMMIT DROP AS SELECT * FROM sales_order WHERE sales_order_id = 2",
      );
      await client.query("UPDATE bad SET sales_order_id = 99999, staff_id = 999");
      await client.query("INSERT INTO sales_order SELECT * FROM bad");
      await checkForeignKeys(client, { sales_order: 99999 });
    });
    await expect(attempt).rejects.toThrow(/dangling staff_id/);
  });

  it("asks for `totes source init` on an empty database", async () => {
    const pool = await freshPool("source_sim_empty");
    pools.push(pool);
    await expect(simulate(pool)).rejects.toThrow(/totes source init/);
    await expect(simulate(pool, { days: 0 })).rejects.toThrow(/--days/);
    await expect(simulate(pool, { days: 1, scale: 1 })).rejects.toThrow(/not both/);
  });
});
