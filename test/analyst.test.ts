import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TARGET_TABLES } from "../lib/catalog/index.js";
import type { Pool } from "../lib/db/pool.js";
import { initSource } from "../tools/source/init.js";
import { simulate } from "../tools/source/simulate.js";
import { PostgresWarehouse } from "../lib/warehouse/postgres.js";
import { currentViewName, factsWithCurrentView } from "../lib/warehouse/views.js";
import { freshPool } from "./helpers/databases.js";
import { startObjectStore } from "./helpers/object-store.js";
import { runStages } from "./helpers/run-stages.js";

// The README shows one query; docs/querying.md the others (issue 24 moved them there).
const README = ["../README.md", "../docs/querying.md"]
  .map((file) => readFileSync(path.resolve(import.meta.dirname, file), "utf8"))
  .join("\n");

interface ExampleQuery {
  sql: string;
  /** The psql output the README shows: header, then the first rows, cells trimmed. */
  header: string[];
  rows: string[][];
}

/** Each `<!-- analyst-query -->` in the README: the ```sql block after it and the output block after that. */
function readmeQueries(): ExampleQuery[] {
  const blocks = [...README.matchAll(/<!-- analyst-query -->\n```sql\n([\s\S]*?)```\n\n```\n([\s\S]*?)```/g)];
  return blocks.map(([, sql, output]) => {
    const cells = (line: string) => line.split("|").map((c) => c.trim());
    const [header, rule, ...rows] = output!.trimEnd().split("\n");
    expect(rule, "psql's rule under the header").toMatch(/^-[-+]+$/);
    return { sql: sql!, header: cells(header!), rows: rows.map(cells) };
  });
}

/** Every value as the text Postgres prints (what psql shows): t/f, numeric scale kept. */
const asText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** What each fact's current view must equal, computed on the source per currency. */
const SOURCE_TOTALS = {
  fact_sales_order: `SELECT c.currency_code, count(*)::int AS n, sum(units_sold * unit_price)::text AS total
                       FROM sales_order JOIN currency c USING (currency_id) GROUP BY 1 ORDER BY 1`,
  fact_purchase_order: `SELECT c.currency_code, count(*)::int AS n, sum(item_quantity * item_unit_price)::text AS total
                          FROM purchase_order JOIN currency c USING (currency_id) GROUP BY 1 ORDER BY 1`,
  fact_payment: `SELECT c.currency_code, count(*)::int AS n,
                        sum(payment_amount)::text AS total,
                        sum(CASE WHEN paid THEN payment_amount ELSE 0 END)::text AS paid
                   FROM payment JOIN currency c USING (currency_id) GROUP BY 1 ORDER BY 1`,
};
const VIEW_TOTALS = {
  fact_sales_order: `SELECT c.currency_code, count(*)::int AS n, sum(units_sold * unit_price)::text AS total
                       FROM fact_sales_order_current JOIN dim_currency c USING (currency_id) GROUP BY 1 ORDER BY 1`,
  fact_purchase_order: `SELECT c.currency_code, count(*)::int AS n, sum(item_quantity * item_unit_price)::text AS total
                          FROM fact_purchase_order_current JOIN dim_currency c USING (currency_id) GROUP BY 1 ORDER BY 1`,
  fact_payment: `SELECT c.currency_code, count(*)::int AS n,
                        sum(payment_amount)::text AS total,
                        sum(CASE WHEN paid THEN payment_amount ELSE 0 END)::text AS paid
                   FROM fact_payment_current JOIN dim_currency c USING (currency_id) GROUP BY 1 ORDER BY 1`,
};

describe("a warehouse analysts can use without reading the code (the 2024-11-15 sample)", () => {
  let source: Pool;
  let warehouse: Pool;
  let buckets: Awaited<ReturnType<typeof startObjectStore>>;
  const one = async <T>(sql: string, params: unknown[] = []) =>
    (await warehouse.query(sql, params)).rows[0] as T;

  /** Current views: one row per natural id; per currency, the source's own counts and sums. */
  async function expectCurrentViewsEqualSource() {
    for (const fact of factsWithCurrentView()) {
      const view = currentViewName(fact);
      const { ids, rows } = await one<{ ids: number; rows: number }>(
        `SELECT (SELECT count(DISTINCT ${fact.naturalKey}) FROM ${fact.name})::int AS ids,
                (SELECT count(*) FROM ${view})::int AS rows`,
      );
      expect(rows, view).toBe(ids);
      const name = fact.name as keyof typeof SOURCE_TOTALS;
      const expected = (await source.query(SOURCE_TOTALS[name])).rows;
      expect((await warehouse.query(VIEW_TOTALS[name])).rows, view).toEqual(expected);
    }
  }

  beforeAll(async () => {
    [source, warehouse, buckets] = await Promise.all([
      freshPool("a_src"),
      freshPool("a_wh"),
      startObjectStore(),
    ]);
    await initSource(source);
    await runStages(buckets, source, warehouse);
  });
  afterAll(async () => {
    await Promise.all([source.end(), warehouse.end(), buckets.stop()]);
  });

  it("the README's example queries run as written and print the README's first lines", async () => {
    // Prepare
    const queries = readmeQueries();
    expect(queries).toHaveLength(3);
    const client = new pg.Client({ connectionString: urlOf(warehouse), types: asText });
    client.on("error", () => undefined);
    await client.connect();
    try {
      for (const query of queries) {
        // Act
        const result = await client.query({ text: query.sql, rowMode: "array" });
        // Assess
        expect(
          result.fields.map((f) => f.name),
          query.sql,
        ).toEqual(query.header);
        expect(query.rows.length, "the README shows some rows").toBeGreaterThan(0);
        const shown = (result.rows as (string | null)[][]).slice(0, query.rows.length);
        expect(
          shown.map((r) => r.map((v) => v ?? "")),
          query.sql,
        ).toEqual(query.rows);
      }
    } finally {
      await client.end();
    }
  });

  it("current views: one row per id, and the source's own sums per currency", async () => {
    expect(await one("SELECT count(*)::int AS n FROM fact_sales_order_current")).toEqual({
      n: Number((await source.query("SELECT count(*) AS n FROM sales_order")).rows[0].n),
    });
    await expectCurrentViewsEqualSource();
  });

  it("after a simulated day: facts gain versions, the current views still equal the source", async () => {
    // Prepare
    const sim = await simulate(source, { days: 1 });
    expect(sim.paymentsPaid).toBeGreaterThan(0);
    // Act
    await runStages(buckets, source, warehouse);
    // Assess: payments flipped to paid are second versions, which a plain sum counts twice.
    const { versions, current } = await one<{ versions: number; current: number }>(
      `SELECT (SELECT count(*) FROM fact_payment)::int AS versions,
              (SELECT count(*) FROM fact_payment_current)::int AS current`,
    );
    expect(versions).toBeGreaterThan(current);
    await expectCurrentViewsEqualSource();
    const newest = await one<{ paid: boolean }>(
      `SELECT paid FROM fact_payment_current WHERE payment_id = (
         SELECT payment_id FROM fact_payment GROUP BY payment_id HAVING count(*) > 1 LIMIT 1)`,
    );
    expect(newest.paid).toBe(true);
    // The README's third query still reads as it shows after this, its own next step (issue
    // 24, 10): about 13 payments paid and 21 made in a day, not the whole backlog paid.
    const payments = readmeQueries().find((q) => q.header.includes("payments_outstanding"));
    const { rows } = await warehouse.query<{ payments_outstanding: string }>({
      text: payments!.sql,
      types: asText,
    });
    payments!.rows.forEach((shown, i) => {
      const before = Number(shown.at(-1));
      const after = Number(rows[i]!.payments_outstanding);
      expect(Math.abs(after - before), `row ${i + 1}: ${before} outstanding before`).toBeLessThanOrEqual(30);
    });
  });

  it("\\d+ shows a comment on every table, view and column (fact_payment included)", async () => {
    const relations = [
      ...TARGET_TABLES.map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) })),
      ...factsWithCurrentView().map((f) => ({
        name: currentViewName(f),
        columns: f.columns.map((c) => c.name),
      })),
    ];
    for (const { name, columns } of relations) {
      const { comment } = await one<{ comment: string | null }>(
        "SELECT obj_description(to_regclass($1), 'pg_class') AS comment",
        [`public.${name}`],
      );
      expect(comment, name).toMatch(/^One row per /);
      const { rows } = await warehouse.query<{ column: string; comment: string | null }>(
        `SELECT a.attname AS column, col_description(a.attrelid, a.attnum) AS comment
           FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum`,
        [`public.${name}`],
      );
      expect(
        rows.map((r) => r.column),
        name,
      ).toEqual(columns);
      for (const r of rows) expect(r.comment, `${name}.${r.column}`).toMatch(/\. Source: .+\./);
    }
    const { comment } = await one<{ comment: string }>(
      "SELECT col_description('public.fact_payment'::regclass, 7) AS comment",
    );
    expect(comment).toContain("References dim_transaction.transaction_id (not enforced).");
    expect(
      (await one<{ comment: string }>("SELECT obj_description('public.fact_payment'::regclass) AS comment"))
        .comment,
    ).toContain("use fact_payment_current");
  });

  it("views and comments are reapplied when they change, not at every start", async () => {
    // Prepare: what a new process finds, once applied.
    const applied = () =>
      one<{ fingerprint: string; at: string }>(
        "SELECT fingerprint, applied_at::text AS at FROM totes_meta.applied_ddl WHERE part = 'presentation'",
      );
    const before = await applied();
    // Act: a new process starts; then the catalog's presentation changes (simulated by the fingerprint).
    await new PostgresWarehouse(warehouse).ensureSchema();
    const unchanged = await applied();
    await warehouse.query("COMMENT ON TABLE fact_payment IS NULL");
    await warehouse.query("UPDATE totes_meta.applied_ddl SET fingerprint = 'older catalog'");
    await new PostgresWarehouse(warehouse).ensureSchema();
    // Assess
    expect(unchanged).toEqual(before);
    expect((await applied()).fingerprint).toBe(before.fingerprint);
    expect(
      (await one<{ c: string | null }>("SELECT obj_description('public.fact_payment'::regclass) AS c")).c,
    ).toMatch(/^One row per version/);
  });
});

/** The URL a pool was made from (freshPool keeps it in its options). */
function urlOf(pool: Pool): string {
  return (pool.options as { connectionString: string }).connectionString;
}
