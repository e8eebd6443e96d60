import { afterAll, describe, expect, it } from "vitest";
import type { Pool } from "../../lib/db/pool.js";
import {
  LEGACY_BASE,
  legacyReadOrder,
  legacyReadOrderSql,
  snapshotReadOrder,
} from "../../lib/pipeline/read-order.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import {
  compareSchema,
  expectedTables,
  normalisedType,
  type FoundColumn,
} from "../../lib/warehouse/schema-check.js";
import { DEFAULT_SCHEMAS, tablesDdl } from "../../lib/warehouse/schema.js";
import { upgradeStatements } from "../../lib/warehouse/upgrade.js";
import { freshPool } from "../helpers/databases.js";

const found = (over: Partial<FoundColumn> & Pick<FoundColumn, "data_type">): FoundColumn => ({
  table_schema: "public",
  table_name: "t",
  column_name: "c",
  udt_name: null,
  character_maximum_length: null,
  numeric_precision: null,
  numeric_scale: null,
  datetime_precision: null,
  is_nullable: "NO",
  is_identity: "NO",
  column_default: null,
  ...over,
});

/** Every expected table as information_schema would show it, the record ids as identities. */
const asCreated = () =>
  expectedTables(DEFAULT_SCHEMAS).flatMap((t) =>
    t.columns.map((c) => {
      const [base, rest] = c.type.split("(");
      const args = rest?.replace(")", "");
      const [p, s] = (args ?? "").split(",").map(Number);
      const data_type =
        {
          varchar: "character varying",
          timestamp: "timestamp without time zone",
          time: "time without time zone",
          timestamptz: "timestamp with time zone",
        }[base!] ?? base!;
      return found({
        table_schema: t.schema,
        table_name: t.name,
        column_name: c.name,
        data_type,
        ...(base === "numeric" ? { numeric_precision: p!, numeric_scale: s! } : {}),
        ...(base === "varchar" ? { character_maximum_length: String(p) } : {}),
        ...(base === "timestamp" || base === "time" ? { datetime_precision: p ?? 6 } : {}),
        ...(base === "timestamptz" ? { datetime_precision: 6 } : {}),
        is_nullable: c.nullable ? "YES" : "NO",
        is_identity: c.identity ? "YES" : "NO",
      });
    }),
  );

describe("warehouse columns in sqlType()'s vocabulary", () => {
  it.each([
    [found({ data_type: "numeric", numeric_precision: 10, numeric_scale: 2 }), "numeric(10,2)"],
    [found({ data_type: "numeric" }), "numeric"],
    [found({ data_type: "character varying", character_maximum_length: "3" }), "varchar(3)"],
    [found({ data_type: "character varying" }), "varchar"],
    [found({ data_type: "timestamp without time zone", datetime_precision: 3 }), "timestamp(3)"],
    [found({ data_type: "timestamp without time zone", datetime_precision: 6 }), "timestamp"],
    [found({ data_type: "timestamp with time zone", datetime_precision: 6 }), "timestamptz"],
    [found({ data_type: "time without time zone", datetime_precision: 3 }), "time(3)"],
    [found({ data_type: "USER-DEFINED", udt_name: "payment_type_name" }), '"payment_type_name"'],
    [found({ data_type: "ARRAY", udt_name: "_int4" }), "int4[]"],
    [found({ data_type: "real" }), "real"],
    [found({ data_type: "integer" }), "integer"],
  ])("%# → %s", (column, type) => expect(normalisedType(column)).toBe(type));
});

describe("compareSchema", () => {
  const expected = expectedTables(DEFAULT_SCHEMAS);

  it("a warehouse as the DDL makes it matches; nothing missing", () => {
    const result = compareSchema(expected, asCreated());
    expect(result.conflicts).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.present).toContain("public.fact_sales_order");
    expect(result.present).toContain("totes_meta.dim_read");
    expect(result.present).toContain("totes_meta.fact_read");
  });

  it("an empty warehouse lacks every table, stars first", () => {
    const result = compareSchema(expected, []);
    expect(result.missing[0]).toBe("public.dim_date");
    expect(result.missing.at(-1)).toBe("totes_meta.applied_ddl");
    expect(result.conflicts).toEqual([]);
  });

  it("a warehouse kept by an earlier version (dim_version, fact_version) lacks today's tables for the DDL to make, not a conflict", () => {
    // Prepare: today's bookkeeping absent, the legacy tables there instead (old DDL).
    const meta = (table_name: string, column_name: string, data_type: string, datetime_precision?: number) =>
      found({
        table_schema: "totes_meta",
        table_name,
        column_name,
        data_type,
        ...(datetime_precision === undefined ? {} : { datetime_precision }),
      });
    const stamp = "timestamp without time zone";
    const legacy = [
      meta("dim_version", "table_name", "text"),
      meta("dim_version", "natural_id", "integer"),
      meta("dim_version", "version_hi", stamp, 3),
      meta("dim_version", "version_hi_extracted_at", stamp, 3),
      meta("dim_version", "version_lo", stamp, 3),
      meta("dim_version", "version_lo_extracted_at", stamp, 3),
      meta("fact_version", "table_name", "text"),
      meta("fact_version", "record_id", "integer"),
      meta("fact_version", "extracted_at", stamp, 3),
    ];
    const columns = [
      ...asCreated().filter((c) => !["dim_read", "fact_read", "owner"].includes(c.table_name)),
      ...legacy,
    ];

    // Act
    const result = compareSchema(expected, columns);

    // Assess
    expect(result.conflicts).toEqual([]);
    expect(result.missing).toEqual(["totes_meta.dim_read", "totes_meta.fact_read", "totes_meta.owner"]);
    expect(result.present).not.toContain("totes_meta.dim_version");
    expect(result.present).not.toContain("totes_meta.fact_version");
  });

  it("the legacy tables' rows move into today's with the legacy read order of their extraction times, or LEGACY_BASE before those existed", () => {
    // Prepare
    const meta = (table_name: string, column_name: string) =>
      found({
        table_schema: "totes_meta",
        table_name,
        column_name,
        data_type: "timestamp without time zone",
      });
    const withTimes = ["version_hi", "version_hi_extracted_at", "version_lo", "version_lo_extracted_at"].map(
      (c) => meta("dim_version", c),
    );
    const facts = [meta("fact_version", "extracted_at")];
    // A dim_version made before extraction times were kept: last_updated components only.
    const beforeTimes = ["version_hi", "version_lo"].map((c) => meta("dim_version", c));
    const oneLine = (sql: string) => sql.replace(/\s+/g, " ");

    // Act
    const upgraded = upgradeStatements(DEFAULT_SCHEMAS, [...withTimes, ...facts]).map(oneLine);
    const older = upgradeStatements(DEFAULT_SCHEMAS, beforeTimes).map(oneLine);

    // Assess
    expect(upgraded).toEqual([
      `INSERT INTO "totes_meta"."dim_read" (table_name, natural_id, own_read_order, parent_read_order) SELECT table_name, natural_id, ${legacyReadOrderSql("version_hi_extracted_at")}, ${legacyReadOrderSql("version_lo_extracted_at")} FROM "totes_meta"."dim_version"`,
      'DROP TABLE "totes_meta"."dim_version"',
      `INSERT INTO "totes_meta"."fact_read" (table_name, record_id, read_order) SELECT table_name, record_id, ${legacyReadOrderSql("extracted_at")} FROM "totes_meta"."fact_version"`,
      'DROP TABLE "totes_meta"."fact_version"',
    ]);
    expect(older).toEqual([
      `INSERT INTO "totes_meta"."dim_read" (table_name, natural_id, own_read_order, parent_read_order) SELECT table_name, natural_id, CAST(${LEGACY_BASE} AS bigint), CAST(${LEGACY_BASE} AS bigint) FROM "totes_meta"."dim_version"`,
      'DROP TABLE "totes_meta"."dim_version"',
    ]);
    expect(upgradeStatements(DEFAULT_SCHEMAS, asCreated())).toEqual([]);
  });

  it("a record id with no default, an extra NOT NULL column, a wrong meta type", () => {
    const columns = asCreated().map((c) =>
      c.column_name === "sales_record_id"
        ? { ...c, is_identity: "NO" }
        : c.table_name === "dim_read" && c.column_name === "own_read_order"
          ? { ...c, data_type: "integer" }
          : c,
    );
    columns.push(
      found({ table_name: "dim_design", column_name: "note", data_type: "text" }),
      found({ table_name: "dim_design", column_name: "added", data_type: "integer", column_default: "0" }),
      found({ table_name: "dim_design", column_name: "comment", data_type: "text", is_nullable: "YES" }),
    );
    expect(compareSchema(expected, columns).conflicts).toEqual([
      {
        schema: "public",
        table: "dim_design",
        column: "note",
        expected: "no such column",
        found: "text NOT NULL with no default",
      },
      {
        schema: "public",
        table: "fact_sales_order",
        column: "sales_record_id",
        expected: "integer generated as identity",
        found: "integer with no default",
      },
      {
        schema: "totes_meta",
        table: "dim_read",
        column: "own_read_order",
        expected: "bigint",
        found: "integer",
      },
    ]);
  });

  it("a type and nullability both wrong show both", () => {
    const columns = asCreated().map((c) =>
      c.table_name === "fact_payment" && c.column_name === "paid"
        ? { ...c, data_type: "text", is_nullable: "YES" }
        : c,
    );
    expect(compareSchema(expected, columns).conflicts).toEqual([
      {
        schema: "public",
        table: "fact_payment",
        column: "paid",
        expected: "boolean NOT NULL",
        found: "text (nullable)",
      },
    ]);
  });
});

describe("ensureSchema on a warehouse kept by an earlier version", () => {
  const pools: Pool[] = [];
  /** A warehouse as the earlier version left it: its stars, and its meta tables but today's bookkeeping. */
  async function legacyWarehouse(legacyDdl: string): Promise<Pool> {
    const pool = await freshPool("unit_schema_upgrade");
    pools.push(pool);
    for (const statement of tablesDdl(DEFAULT_SCHEMAS)) await pool.query(statement);
    await pool.query(`DROP TABLE totes_meta.dim_read, totes_meta.fact_read, totes_meta.owner; ${legacyDdl}`);
    return pool;
  }
  /** What `legacyReadOrder` gives the run stamp of a naive UTC extraction time, as text. */
  const legacy = (ts: string) => String(LEGACY_BASE + BigInt(Date.parse(`${ts.replace(" ", "T")}Z`)));
  const rows = async (pool: Pool, sql: string) => (await pool.query(sql)).rows;
  const exists = async (pool: Pool, table: string) =>
    (await rows(pool, `SELECT to_regclass('totes_meta.${table}') IS NOT NULL AS e`))[0].e;

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it("moves dim_version and fact_version into dim_read and fact_read with their legacy read orders, and drops them", async () => {
    // Prepare: the old DDL, with extraction times.
    const pool = await legacyWarehouse(`
      CREATE TABLE totes_meta.dim_version (table_name text NOT NULL, natural_id integer NOT NULL,
        version_hi timestamp(3) NOT NULL, version_hi_extracted_at timestamp(3) NOT NULL,
        version_lo timestamp(3) NOT NULL, version_lo_extracted_at timestamp(3) NOT NULL,
        PRIMARY KEY (table_name, natural_id));
      CREATE TABLE totes_meta.fact_version (table_name text NOT NULL, record_id integer NOT NULL,
        extracted_at timestamp(3) NOT NULL, PRIMARY KEY (table_name, record_id));
      INSERT INTO totes_meta.dim_version VALUES
        ('dim_staff', 1, '2024-11-15 09:00:00.123', '2026-11-27 04:10:00.000', '2024-11-01 00:00:00', '2026-11-27 04:05:00.500'),
        ('dim_currency', 2, '2024-11-15 09:00:00.123', '2026-11-27 04:20:00.007', '2024-11-15 09:00:00.123', '2026-11-27 04:20:00.007');
      INSERT INTO totes_meta.fact_version VALUES ('fact_sales_order', 1, '2026-11-27 04:30:00.999');`);

    // Act
    const report = await postgresWarehouse(pool).ensureSchema();

    // Assess
    expect(report.created).toEqual(["totes_meta.dim_read", "totes_meta.fact_read", "totes_meta.owner"]);
    expect(
      await rows(
        pool,
        `SELECT table_name, natural_id, own_read_order::text AS own, parent_read_order::text AS parent
           FROM totes_meta.dim_read ORDER BY table_name`,
      ),
    ).toEqual([
      {
        table_name: "dim_currency",
        natural_id: 2,
        own: legacy("2026-11-27 04:20:00.007"),
        parent: legacy("2026-11-27 04:20:00.007"),
      },
      {
        table_name: "dim_staff",
        natural_id: 1,
        own: legacy("2026-11-27 04:10:00.000"),
        parent: legacy("2026-11-27 04:05:00.500"),
      },
    ]);
    expect(
      await rows(pool, "SELECT table_name, record_id, read_order::text AS r FROM totes_meta.fact_read"),
    ).toEqual([{ table_name: "fact_sales_order", record_id: 1, r: legacy("2026-11-27 04:30:00.999") }]);
    expect([await exists(pool, "dim_version"), await exists(pool, "fact_version")]).toEqual([false, false]);
    // What an ingestion CSV of that run, carrying no read order, gets: it repeats, not follows.
    expect(legacy("2026-11-27 04:10:00.000")).toBe(String(legacyReadOrder("20261127T041000000Z")));
    // Below every snapshot's read order: any later real read wins.
    const lowest = snapshotReadOrder(0n, 2 ** 16 - 1);
    expect(
      await rows(
        pool,
        `SELECT bool_and(own_read_order < ${lowest} AND parent_read_order < ${lowest}) AS below FROM totes_meta.dim_read`,
      ),
    ).toEqual([{ below: true }]);

    // Act: the schema DDL again (`totes warehouse init`): nothing left to upgrade, nothing changed.
    await postgresWarehouse(pool).ensureSchema({ refresh: true });

    // Assess
    expect(await rows(pool, "SELECT read_order::text AS r FROM totes_meta.fact_read")).toEqual([
      { r: legacy("2026-11-27 04:30:00.999") },
    ]);
  });

  it("gives the rows of a dim_version made before extraction times LEGACY_BASE, below every other read", async () => {
    // Prepare: the oldest dim_version, last_updated components only.
    const pool = await legacyWarehouse(`
      CREATE TABLE totes_meta.dim_version (table_name text NOT NULL, natural_id integer NOT NULL,
        version_hi timestamp(3) NOT NULL, version_lo timestamp(3) NOT NULL, PRIMARY KEY (table_name, natural_id));
      INSERT INTO totes_meta.dim_version VALUES ('dim_staff', 99, '2024-11-15 09:00:00.123', '2024-11-15 09:00:00.123');`);

    // Act
    const report = await postgresWarehouse(pool).ensureSchema();

    // Assess
    expect(report.created).toContain("totes_meta.dim_read");
    expect(
      await rows(
        pool,
        "SELECT own_read_order::text AS own, parent_read_order::text AS parent FROM totes_meta.dim_read WHERE natural_id = 99",
      ),
    ).toEqual([{ own: String(LEGACY_BASE), parent: String(LEGACY_BASE) }]);
    expect(await exists(pool, "dim_version")).toBe(false);
  });
});
