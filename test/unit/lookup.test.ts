import { describe, expect, it } from "vitest";
import {
  SOURCE_TABLES,
  TARGET_TABLES,
  columnNames,
  isSourceTableName,
  isTargetTableName,
  loadedColumns,
  sourceTable,
  targetTable,
  targetsFedBy,
} from "../../lib/catalog/index.js";

describe("sourceTable / targetTable", () => {
  it("finds every catalog table by its name", () => {
    for (const t of SOURCE_TABLES) expect(sourceTable(t.name)).toBe(t);
    for (const t of TARGET_TABLES) expect(targetTable(t.name)).toBe(t);
  });

  it("refuses an unknown name, listing the names it knows", () => {
    expect(() => sourceTable("sales_orders")).toThrow(
      /^unknown source table "sales_orders" \(the catalog has address, .*sales_order.*\)$/,
    );
    expect(() => targetTable("dim_staf")).toThrow(
      /^unknown warehouse table "dim_staf" \(the catalog has .*dim_staff/,
    );
  });

  it("does not take a table of one side for the other", () => {
    expect(() => sourceTable("dim_staff")).toThrow(/unknown source table/);
    expect(() => targetTable("staff")).toThrow(/unknown warehouse table/);
  });
});

describe("isSourceTableName / isTargetTableName", () => {
  it("tells catalog names apart from anything else", () => {
    expect(isSourceTableName("transaction")).toBe(true);
    expect(isSourceTableName("dim_transaction")).toBe(false);
    expect(isSourceTableName("Transaction")).toBe(false);
    expect(isSourceTableName("")).toBe(false);
    expect(isSourceTableName("constructor")).toBe(false);
    expect(isTargetTableName("fact_payment")).toBe(true);
    expect(isTargetTableName("payment")).toBe(false);
    expect(isTargetTableName("toString")).toBe(false);
  });
});

describe("targetsFedBy", () => {
  it("is nothing for a name outside the catalog", () => {
    expect(targetsFedBy("nothing")).toEqual([]);
  });

  it("gives the catalog's own table objects", () => {
    for (const target of targetsFedBy("staff")) expect(targetTable(target.name)).toBe(target);
  });
});

describe("columnNames", () => {
  it("lists a table's columns in its order", () => {
    expect(columnNames(sourceTable("design"))).toEqual([
      "design_id",
      "created_at",
      "design_name",
      "file_location",
      "file_name",
      "last_updated",
    ]);
  });
});

describe("loadedColumns", () => {
  it("leaves out only a fact's warehouse-assigned record id", () => {
    for (const table of TARGET_TABLES.filter((t) => t.kind === "fact")) {
      const loaded = loadedColumns(table).map((c) => c.name);
      expect(loaded, table.name).toEqual(columnNames(table).filter((c) => c !== table.recordId));
      expect(loaded, table.name).toHaveLength(table.columns.length - 1);
    }
  });

  it("keeps every column of a dim", () => {
    for (const table of TARGET_TABLES.filter((t) => t.kind === "dim"))
      expect(loadedColumns(table), table.name).toEqual(table.columns);
  });
});
