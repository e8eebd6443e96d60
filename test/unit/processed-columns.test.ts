import { describe, expect, it } from "vitest";
import { TARGET_TABLES, calendarTable, columnNames, sqlType, targetTable } from "../../lib/catalog/index.js";
import { DIM_VERSION_COLUMNS } from "../../lib/pipeline/dim-versions.js";
import { processedColumns } from "../../lib/pipeline/processed-columns.js";
import { READ_ORDER } from "../../lib/pipeline/read-order.js";
import { stagedColumns } from "../../lib/warehouse/warehouse.js";

const names = (table: Parameters<typeof processedColumns>[0]) => processedColumns(table).map((c) => c.name);

describe("processedColumns", () => {
  it("gives a dim its columns and then the read orders of the source rows it was built from", () => {
    // Act
    const columns = processedColumns(targetTable("dim_currency"));
    // Assess
    expect(columns.map((c) => c.name)).toEqual([
      "currency_id",
      "currency_code",
      "currency_name",
      ...DIM_VERSION_COLUMNS,
    ]);
    expect(columns.slice(-DIM_VERSION_COLUMNS.length).map((c) => c.type)).toEqual(
      DIM_VERSION_COLUMNS.map(() => ({ kind: "bigint" })),
    );
  });

  it("leaves a fact's warehouse-assigned record id out, and adds no versions, only its read order", () => {
    const fact = targetTable("fact_payment");
    expect(names(fact)).toEqual([...columnNames(fact).filter((c) => c !== "payment_record_id"), READ_ORDER]);
    expect(processedColumns(fact).at(-1)?.type).toEqual({ kind: "bigint" });
  });

  it("gives the calendar exactly its columns: a day never changes, so it has no version", () => {
    const calendar = calendarTable();
    expect(processedColumns(calendar)).toEqual(calendar.columns);
  });

  it("is what the load stages, in the warehouse's types", () => {
    for (const table of TARGET_TABLES)
      expect(stagedColumns(table), table.name).toEqual(
        processedColumns(table).map((c) => ({ name: c.name, type: sqlType(c.type) })),
      );
    expect(stagedColumns(targetTable("dim_staff")).slice(-DIM_VERSION_COLUMNS.length)).toEqual(
      DIM_VERSION_COLUMNS.map((name) => ({ name, type: "bigint" })),
    );
  });

  it("returns a fresh list each call, so a caller's push cannot change the next one", () => {
    const table = targetTable("dim_design");
    processedColumns(table).push({ name: "extra", type: { kind: "int" } });
    expect(names(table)).not.toContain("extra");
  });
});
