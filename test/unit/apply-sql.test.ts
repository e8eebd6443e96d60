import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadedColumns, targetTable, TARGET_TABLES } from "../../lib/catalog/index.js";
import type { TargetTable } from "../../lib/catalog/index.js";
import { qualified, quoteIdent } from "../../lib/db/identifiers.js";
import type { Pool, PoolClient } from "../../lib/db/pool.js";
import { withTransaction } from "../../lib/db/pool.js";
import { LEGACY_BASE, snapshotReadOrder } from "../../lib/pipeline/read-order.js";
import {
  STAGE,
  dimDropStale,
  dimDropUnchanged,
  dimMerge,
  dimVersionMerge,
  factCorrect,
  factDropStale,
  factInsert,
  factVersionMerge,
  insertMissing,
} from "../../lib/warehouse/apply-sql.js";
import { postgresDialect } from "../../lib/warehouse/postgres-dialect.js";
import { warehouseDdl, type WarehouseSchemas } from "../../lib/warehouse/schema.js";
import { stagedColumns } from "../../lib/warehouse/warehouse.js";
import { freshPool } from "../helpers/databases.js";

/** Reserved words on purpose: every generated name must be quoted to run at all. */
const schemas: WarehouseSchemas = { stars: "order", meta: "user" };
const oneLine = (sql: string) => sql.replace(/\s+/g, " ");
/** The read order of a snapshot (lib/pipeline/read-order.ts), as the text a staged BIGINT takes. */
const readAt = (xmax: number, inProgress = 0) => String(snapshotReadOrder(BigInt(xmax), inProgress));

const facts = TARGET_TABLES.filter((t) => t.kind === "fact");
const versionedDims = TARGET_TABLES.filter((t) => t.kind === "dim");

/** A dim whose table and column names are all reserved words (and one needs its quote doubled). */
const reservedDim: TargetTable = {
  name: "transaction",
  kind: "dim",
  grain: "one row per order",
  naturalKey: "order",
  columns: [
    { name: "order", type: { kind: "int" } },
    { name: "user", type: { kind: "text" } },
    { name: 'say "when"', type: { kind: "text" } },
  ],
  sources: [],
};

describe("factInsert", () => {
  it.each(facts.map((t) => [t.name, t]))(
    "%s: inserts a staged version only if the fact lacks its natural id and version",
    (_name, table) => {
      // Act
      const sql = oneLine(factInsert(table, schemas));

      // Assess
      const identity = [table.naturalKey, ...(table.versionKey ?? [])];
      const guard = identity.map((c) => `f."${c}" = s."${c}"`).join(" AND ");
      expect(sql).toContain(`INSERT INTO "order"."${table.name}" (`);
      expect(sql).toContain(`WHERE NOT EXISTS ( SELECT 1 FROM "order"."${table.name}" f WHERE ${guard})`);
      expect(sql).not.toContain(`"${table.recordId}"`);
    },
  );
});

describe("dimDropStale", () => {
  it.each(versionedDims.map((t) => [t.name, t]))(
    "%s: drops staged rows whose version is not newer than the one recorded",
    (_name, table) => {
      // Act
      const sql = oneLine(dimDropStale(table, schemas));

      // Assess
      expect(sql).toContain(`DELETE FROM ${STAGE} USING "user"."dim_read" v`);
      expect(sql).toContain(`v.table_name = $1 AND v.natural_id = ${STAGE}."${table.naturalKey}"`);
      // Lexicographic: own read order, then parent read order.
      const [own, parent] = ["own_read_order", "parent_read_order"];
      const cmp = (c: string, op: string) => `v.${c} ${op} ${STAGE}._${c}`;
      expect(sql).toContain(`(${cmp(own, ">")} OR (${cmp(own, "=")} AND ${cmp(parent, ">=")}))`);
    },
  );
});

describe("dimMerge", () => {
  it.each(versionedDims.map((t) => [t.name, t]))(
    "%s: upserts on the natural id, updating every other loaded column",
    (_name, table) => {
      // Act
      const sql = oneLine(dimMerge(table, schemas));

      // Assess
      const key = table.naturalKey;
      expect(sql).toContain(
        `MERGE INTO "order"."${table.name}" d USING ${STAGE} n ON d."${key}" = n."${key}"`,
      );
      const set = /UPDATE SET (.*) WHEN NOT MATCHED/.exec(sql)?.[1];
      expect(set?.split(", ")).toEqual(
        loadedColumns(table)
          .filter((c) => c.name !== key)
          .map((c) => `"${c.name}" = n."${c.name}"`),
      );
      expect(sql).not.toContain("_read_order");
    },
  );
});

describe("insertMissing", () => {
  it("adds the calendar days dim_date lacks and never updates one", () => {
    // Act
    const sql = oneLine(insertMissing(targetTable("dim_date"), schemas));

    // Assess
    expect(sql).toContain(`ON d."date_id" = n."date_id"`);
    expect(sql).toContain("WHEN NOT MATCHED THEN INSERT");
    expect(sql).not.toContain("WHEN MATCHED");
    expect(sql).toContain(`SELECT DISTINCT`);
  });
});

describe("quoting", () => {
  it("quotes every table, column and schema name, doubling quotes inside one", () => {
    // Act
    const sql = [
      factInsert,
      factDropStale,
      factCorrect,
      factVersionMerge,
      dimDropStale,
      dimDropUnchanged,
      dimMerge,
      dimVersionMerge,
      insertMissing,
    ]
      .map((statement) => oneLine(statement(reservedDim, schemas)))
      .join("\n");

    // Assess
    expect(sql).toContain(`"order"."transaction"`);
    expect(sql).toContain(`"user"."dim_read"`);
    expect(sql).toContain(`n."user"`);
    expect(sql).toContain(`"say ""when"""`);
    expect(sql).not.toMatch(/[\s.(]transaction[\s,)]/);
  });
});

describe("the generated SQL in Postgres", () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = await freshPool("unit_apply_sql");
    for (const statement of warehouseDdl(schemas)) await pool.query(statement);
    await pool.query(
      `CREATE TABLE ${qualified(schemas.stars, reservedDim.name)} ("order" integer PRIMARY KEY, "user" text, "say ""when""" text)`,
    );
  });

  afterAll(async () => {
    await pool.end();
  });

  type Row = Record<string, string | number | boolean | null>;

  /** Stages the rows as the load does, then runs `apply` in the same transaction. */
  async function load(
    table: TargetTable,
    rows: readonly Row[],
    apply: (client: PoolClient) => Promise<number>,
  ): Promise<number> {
    return withTransaction(pool, async (client) => {
      const columns = stagedColumns(table);
      await client.query(postgresDialect.createStage(STAGE, columns));
      for (const row of rows) {
        const names = columns.map((c) => c.name);
        await client.query(
          `INSERT INTO ${STAGE} (${names.map(quoteIdent).join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
          names.map((n) => row[n] ?? null),
        );
      }
      return apply(client);
    });
  }

  const loadFact = (table: TargetTable, rows: readonly Row[]) =>
    load(table, rows, async (client) => (await client.query(factInsert(table, schemas))).rowCount ?? 0);

  /** The whole fact apply, as the warehouse runs it: drop stale, correct, insert, record. */
  const loadCorrectable = (table: TargetTable, rows: readonly Row[]) =>
    load(table, rows, async (client) => {
      await client.query(factDropStale(table, schemas), [table.name]);
      const corrected = (await client.query(factCorrect(table, schemas))).rowCount ?? 0;
      const inserted = (await client.query(factInsert(table, schemas))).rowCount ?? 0;
      await client.query(factVersionMerge(table, schemas), [table.name]);
      return corrected + inserted;
    });

  /** The whole dim apply, as the warehouse runs it. */
  const loadDim = (table: TargetTable, rows: readonly Row[]) =>
    load(table, rows, async (client) => {
      await client.query(dimDropStale(table, schemas), [table.name]);
      await client.query(dimVersionMerge(table, schemas), [table.name]);
      await client.query(dimDropUnchanged(table, schemas));
      return (await client.query(dimMerge(table, schemas))).rowCount ?? 0;
    });

  const select = async (sql: string) => (await pool.query<Row>(sql)).rows;

  describe("fact_sales_order", () => {
    const table = targetTable("fact_sales_order");
    const order = (id: number, updated: string, units: number): Row => ({
      sales_order_id: id,
      created_date: "2024-11-01",
      created_time: "09:00:00",
      last_updated_date: "2024-11-15",
      last_updated_time: updated,
      sales_staff_id: 1,
      counterparty_id: 2,
      units_sold: units,
      unit_price: "-0.05",
      currency_id: 3,
      design_id: 4,
      agreed_payment_date: "2024-11-20",
      agreed_delivery_date: "2024-11-21",
      agreed_delivery_location_id: 5,
    });

    it("appends each version once, with ids from the warehouse, however often it is loaded", async () => {
      // Prepare
      const first = [order(1, "10:00:00", 10), order(1, "11:00:00", 11)];

      // Act
      const written = [
        await loadFact(table, first),
        await loadFact(table, first),
        await loadFact(table, [order(1, "11:00:00", 11), order(1, "12:00:00", 12)]),
      ];

      // Assess
      expect(written).toEqual([2, 0, 1]);
      const rows = await select(
        `SELECT sales_record_id, last_updated_time, units_sold, unit_price::text
           FROM "order".fact_sales_order WHERE sales_order_id = 1 ORDER BY last_updated_time`,
      );
      expect(rows.map((r) => [r.last_updated_time, r.units_sold, r.unit_price])).toEqual([
        ["10:00:00", 10, "-0.05"],
        ["11:00:00", 11, "-0.05"],
        ["12:00:00", 12, "-0.05"],
      ]);
      expect(new Set(rows.map((r) => r.sales_record_id)).size).toBe(3);
    });

    it("corrects a version in place from a later read, never from an earlier one, and counts only changes", async () => {
      // Prepare: order 2's version at 10:00, read at R1, then corrected (units 21) and read at R2
      // (same xmax, fewer transactions in progress: later), then at R3.
      const read = (units: number, at: string): Row => ({
        ...order(2, "10:00:00", units),
        _read_order: at,
      });
      const [t1, t2, t3] = [readAt(1000, 3), readAt(1000, 1), readAt(1001)];
      const fact = async () =>
        select(
          `SELECT sales_record_id, units_sold FROM "order".fact_sales_order WHERE sales_order_id = 2 ORDER BY sales_record_id`,
        );

      // Act
      const written = [await loadCorrectable(table, [read(20, t1)])];
      const [first] = await fact();
      written.push(
        await loadCorrectable(table, [read(21, t2)]), // the correction
        await loadCorrectable(table, [read(20, t1)]), // the earlier read, again
        await loadCorrectable(table, [read(21, t2)]), // the correction, again
        await loadCorrectable(table, [read(21, t3)]), // read again, unchanged
      );

      // Assess
      expect(written).toEqual([1, 1, 0, 0, 0]);
      expect(await fact()).toEqual([{ sales_record_id: first!.sales_record_id, units_sold: 21 }]);
      expect(
        await select(
          `SELECT read_order::text AS read_order FROM "user".fact_read WHERE table_name = 'fact_sales_order' AND record_id = ${first!.sales_record_id}`,
        ),
      ).toEqual([{ read_order: t3 }]);
    });

    it("an unchanged later read still counts as the latest: an earlier correction arriving after it loses", async () => {
      // Prepare: reads A (R1), B (R2), A again (R3), delivered R1, R3, R2.
      const read = (units: number, at: string): Row => ({
        ...order(3, "10:00:00", units),
        _read_order: at,
      });

      // Act
      const written = [
        await loadCorrectable(table, [read(30, readAt(2000))]),
        await loadCorrectable(table, [read(30, readAt(2002))]),
        await loadCorrectable(table, [read(31, readAt(2001))]),
      ];

      // Assess
      expect(written).toEqual([1, 0, 0]);
      expect(
        await select(`SELECT units_sold FROM "order".fact_sales_order WHERE sales_order_id = 3`),
      ).toEqual([{ units_sold: 30 }]);
    });

    it("corrects a row loaded before reads were recorded", async () => {
      // Prepare: a fact row with no fact_read row.
      await loadFact(table, [order(4, "10:00:00", 40)]);

      // Act
      const written = [
        await loadCorrectable(table, [{ ...order(4, "10:00:00", 40), _read_order: String(LEGACY_BASE) }]),
        await loadCorrectable(table, [{ ...order(4, "10:00:00", 41), _read_order: readAt(3000) }]),
      ];

      // Assess
      expect(written).toEqual([0, 1]);
      expect(
        await select(`SELECT units_sold FROM "order".fact_sales_order WHERE sales_order_id = 4`),
      ).toEqual([{ units_sold: 41 }]);
    });
  });

  describe("dim_currency (a versioned dim)", () => {
    const table = targetTable("dim_currency");
    const currency = (id: number, name: string, own: string, parent = own): Row => ({
      currency_id: id,
      currency_code: "GBP",
      currency_name: name,
      _own_read_order: own,
      _parent_read_order: parent,
    });
    const nameOf = async (id: number) =>
      (await select(`SELECT currency_name FROM "order".dim_currency WHERE currency_id = ${id}`))[0]
        ?.currency_name;

    it("takes a later read and refuses an earlier or the same one", async () => {
      // Act
      const written = [
        await loadDim(table, [currency(1, "v2", readAt(110, 1))]),
        await loadDim(table, [currency(1, "v1 late", readAt(109))]),
        await loadDim(table, [currency(1, "v2 again", readAt(110, 1))]),
      ];

      // Assess
      expect(written).toEqual([1, 0, 0]);
      expect(await nameOf(1)).toBe("v2");

      // Act: the next snapshot with the same xmax, one transaction fewer in progress.
      const newer = await loadDim(table, [currency(1, "v3", readAt(110, 0))]);

      // Assess
      expect(newer).toBe(1);
      expect(await nameOf(1)).toBe("v3");
      expect(
        await select(
          `SELECT own_read_order::text AS own, parent_read_order::text AS parent FROM "user".dim_read WHERE table_name = 'dim_currency' AND natural_id = 1`,
        ),
      ).toEqual([{ own: readAt(110, 0), parent: readAt(110, 0) }]);
    });

    it("with the same read of its own row, takes the row built from a later read of its partner", async () => {
      // Prepare: a joined dim's row versioned (own, parent) by the read orders of its two sources.
      await loadDim(table, [currency(2, "old partner", readAt(120), readAt(100))]);

      // Act
      const written = await loadDim(table, [currency(2, "new partner", readAt(120), readAt(115))]);

      // Assess
      expect(written).toBe(1);
      expect(await nameOf(2)).toBe("new partner");
    });

    it("judges each row of an object by its own read order", async () => {
      // Prepare
      await loadDim(table, [currency(3, "three", readAt(140)), currency(4, "four", readAt(130))]);

      // Act
      const written = await loadDim(table, [
        currency(3, "three, older", readAt(135)),
        currency(4, "four, newer", readAt(135)),
        currency(5, "five, new", readAt(135)),
      ]);

      // Assess
      expect(written).toBe(2);
      expect([await nameOf(3), await nameOf(4), await nameOf(5)]).toEqual([
        "three",
        "four, newer",
        "five, new",
      ]);
    });
  });

  describe("dim_currency: two reads of one version", () => {
    const table = targetTable("dim_currency");
    const read = (name: string, at: string): Row => ({
      currency_id: 10,
      currency_code: "GBP",
      currency_name: name,
      _own_read_order: at,
      _parent_read_order: at,
    });
    const nameOf = async () =>
      (await select(`SELECT currency_name FROM "order".dim_currency WHERE currency_id = 10`))[0]
        ?.currency_name;

    it("takes the later read, refuses the earlier one, and writes nothing for an unchanged read", async () => {
      // Act
      const written = [
        await loadDim(table, [read("first", readAt(400))]),
        await loadDim(table, [read("corrected", readAt(500))]),
        await loadDim(table, [read("first", readAt(400))]),
        await loadDim(table, [read("corrected", readAt(600))]),
        // Read before the unchanged read at 600, delivered after it: it must lose.
        await loadDim(table, [read("stale", readAt(550))]),
      ];

      // Assess
      expect(written).toEqual([1, 1, 0, 0, 0]);
      expect(await nameOf()).toBe("corrected");
    });

    it("with the same read of its own row, takes the row built from a later read of the parent, never back", async () => {
      // Prepare
      const joined = (name: string, parentAt: string): Row => ({
        ...read(name, readAt(400)),
        currency_id: 11,
        _parent_read_order: parentAt,
      });
      await loadDim(table, [joined("parent read first", readAt(300))]);

      // Act
      const written = [
        await loadDim(table, [joined("parent corrected", readAt(500))]),
        await loadDim(table, [joined("parent read first", readAt(300))]),
      ];

      // Assess
      expect(written).toEqual([1, 0]);
      expect(
        (await select(`SELECT currency_name FROM "order".dim_currency WHERE currency_id = 11`))[0]
          ?.currency_name,
      ).toBe("parent corrected");
    });
  });

  describe("dim_date (immutable rows)", () => {
    const table = targetTable("dim_date");
    const day = (date_id: string, day_name: string): Row => ({
      date_id,
      year: 2024,
      month: 11,
      day: Number(date_id.slice(8)),
      day_of_week: 5,
      day_name,
      month_name: "November",
      quarter: 4,
    });
    const apply = async (client: PoolClient) =>
      (await client.query(insertMissing(table, schemas))).rowCount ?? 0;

    it("adds the missing days once, even staged twice, and never rewrites a day it has", async () => {
      // Act
      const written = [
        await load(table, [day("2024-11-15", "Friday"), day("2024-11-15", "Friday")], apply),
        await load(table, [day("2024-11-15", "Changed"), day("2024-11-16", "Saturday")], apply),
      ];

      // Assess
      expect(written).toEqual([1, 1]);
      expect(await select(`SELECT date_id, day_name FROM "order".dim_date ORDER BY date_id`)).toEqual([
        { date_id: "2024-11-15", day_name: "Friday" },
        { date_id: "2024-11-16", day_name: "Saturday" },
      ]);
    });
  });

  describe("a dim named with reserved words", () => {
    it("runs the whole guarded upsert", async () => {
      // Prepare
      const row = (user: string, at: string): Row => ({
        order: 1,
        user,
        'say "when"': "now",
        _own_read_order: at,
        _parent_read_order: at,
      });

      // Act
      const written = [
        await loadDim(reservedDim, [row("first", readAt(10))]),
        await loadDim(reservedDim, [row("stale", String(LEGACY_BASE))]),
        await loadDim(reservedDim, [row("second", readAt(11))]),
      ];

      // Assess
      expect(written).toEqual([1, 0, 1]);
      expect(await select(`SELECT * FROM "order"."transaction"`)).toEqual([
        { order: 1, user: "second", 'say "when"': "now" },
      ]);
    });
  });
});
