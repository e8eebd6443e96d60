import { describe, expect, it } from "vitest";
import {
  TARGET_TABLES,
  calendarColumns,
  calendarTable,
  sourceTable,
  targetTable,
  type TargetTable,
} from "../../lib/catalog/index.js";
import { CatalogError, PipelineError } from "../../lib/errors.js";
import { isVersionedDim } from "../../lib/pipeline/dim-versions.js";

describe("catalog lookups", () => {
  it("finds the calendar by its kind: dim_date, the one table of kind calendar", () => {
    // Act
    const calendar = calendarTable();
    // Assess
    expect(calendar.name).toBe("dim_date");
    expect(calendar.naturalKey).toBe("date_id");
    expect(TARGET_TABLES.filter((t) => t.kind === "calendar")).toEqual([calendar]);
    expect(isVersionedDim(calendar)).toBe(false);
  });

  it("gives every other table a kind that says how it loads: dims versioned, facts not", () => {
    for (const table of TARGET_TABLES.filter((t) => t.kind !== "calendar")) {
      expect(table.kind, table.name).toBe(table.name.startsWith("dim_") ? "dim" : "fact");
      expect(isVersionedDim(table), table.name).toBe(table.kind === "dim");
    }
  });

  it("refuses a catalog with no calendar, or two, naming them", () => {
    // Prepare
    const calendar = calendarTable();
    const second: TargetTable = { ...calendar, name: "dim_day" };
    const others = TARGET_TABLES.filter((t) => t.kind !== "calendar");
    // Act, Assess
    expect(() => calendarTable(others)).toThrow(CatalogError);
    expect(() => calendarTable(others)).toThrow('one warehouse table of kind "calendar", not 0');
    expect(() => calendarTable([calendar, second])).toThrow(
      expect.objectContaining({ name: "CatalogError", entry: "calendar table", value: "dim_date, dim_day" }),
    );
  });

  it("finds a fact's date columns through the calendar's references", () => {
    // Act
    const dates = calendarColumns(targetTable("fact_payment")).map((c) => c.name);
    // Assess
    expect(dates).toEqual(["created_date", "last_updated_date", "payment_date"]);
    expect(calendarColumns(targetTable("dim_staff"))).toEqual([]);
  });

  it("says which table it does not know with a typed error carrying the name", () => {
    // Act
    const unknownSource = (() => {
      try {
        return sourceTable("salesorder");
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(unknownSource).toBeInstanceOf(PipelineError);
    expect(unknownSource).toMatchObject({ name: "CatalogError", entry: "source table", value: "salesorder" });
    expect((unknownSource as Error).message).toMatch(
      /^unknown source table "salesorder" \(the catalog has address, /,
    );
    expect(() => targetTable("dim_dates")).toThrow(
      expect.objectContaining({ entry: "warehouse table", value: "dim_dates" }),
    );
  });
});
