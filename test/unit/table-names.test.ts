import { describe, expect, it } from "vitest";
import { sourceTables, warehouseTables } from "../../cli/table-names.js";

describe("table names in source or warehouse form (issue 24: 4)", () => {
  it("takes each command's own kind as is, several at once, once each", () => {
    expect(warehouseTables(["dim_design", "fact_payment", "dim_design"])).toEqual([
      "dim_design",
      "fact_payment",
    ]);
    expect(sourceTables(["design", "payment"])).toEqual(["design", "payment"]);
  });

  it("maps the other kind where it names exactly one table", () => {
    expect(warehouseTables(["design", "sales_order", "staff"])).toEqual([
      "dim_design",
      "fact_sales_order",
      "dim_staff",
    ]);
    expect(sourceTables(["dim_design", "fact_sales_order"])).toEqual(["design", "sales_order"]);
  });

  it("refuses an ambiguous or unknown name with the nearest ones", () => {
    expect(() => sourceTables(["dim_staff"])).toThrow(
      'unknown source table "dim_staff" (the warehouse table dim_staff maps to several)',
    );
    expect(() => warehouseTables(["address"])).toThrow("maps to several");
    const guess = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as { next?: string }).next;
      }
    };
    expect(guess(() => sourceTables(["dim_staff"]))).toBe("did you mean staff or department?");
    expect(guess(() => warehouseTables(["desgn"]))).toBe("did you mean dim_design?");
    expect(guess(() => sourceTables(["paymnet"]))).toBe("did you mean payment?");
    expect(guess(() => warehouseTables(["zzz"]))).toMatch(/^the warehouse tables are dim_/);
  });
});
