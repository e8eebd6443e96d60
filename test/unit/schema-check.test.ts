import { describe, expect, it } from "vitest";
import {
  compareSchema,
  expectedTables,
  normalisedType,
  type FoundColumn,
} from "../../lib/warehouse/schema-check.js";
import { DEFAULT_SCHEMAS } from "../../lib/warehouse/schema.js";

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
    expect(result.present).toContain("totes_meta.dim_version");
  });

  it("an empty warehouse lacks every table, stars first", () => {
    const result = compareSchema(expected, []);
    expect(result.missing[0]).toBe("public.dim_date");
    expect(result.missing.at(-1)).toBe("totes_meta.applied_ddl");
    expect(result.conflicts).toEqual([]);
  });

  it("a dim_version made before extraction times is a table for the DDL to complete, not a conflict", () => {
    // Prepare
    const columns = asCreated().filter(
      (c) => !(c.table_name === "dim_version" && c.column_name.endsWith("_extracted_at")),
    );

    // Act
    const result = compareSchema(expected, columns);

    // Assess
    expect(result.conflicts).toEqual([]);
    expect(result.missing).toEqual(["totes_meta.dim_version"]);
    expect(result.present).not.toContain("totes_meta.dim_version");
  });

  it("a record id with no default, an extra NOT NULL column, a wrong meta type", () => {
    const columns = asCreated().map((c) =>
      c.column_name === "sales_record_id"
        ? { ...c, is_identity: "NO" }
        : c.table_name === "dim_version" && c.column_name === "version_hi"
          ? { ...c, datetime_precision: 6 }
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
        table: "dim_version",
        column: "version_hi",
        expected: "timestamp(3)",
        found: "timestamp",
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
