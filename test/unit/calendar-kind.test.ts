import { describe, expect, it } from "vitest";
import { calendarTable, columnNames } from "../../lib/catalog/index.js";
import { CatalogError } from "../../lib/errors.js";
import { calendarDay, calendarRange } from "../../lib/model/calendar.js";

describe("calendar", () => {
  it("makes a day with every column of the catalog's calendar table", () => {
    // Act
    const day = calendarDay("2024-11-17");
    // Assess
    expect(Object.keys(day)).toEqual(columnNames(calendarTable()));
    expect(day).toEqual({
      date_id: "2024-11-17",
      year: 2024,
      month: 11,
      day: 17,
      day_of_week: 7,
      day_name: "Sunday",
      month_name: "November",
      quarter: 4,
    });
  });

  it("makes every day of a range, both ends included, across a month end", () => {
    expect(calendarRange("2024-02-28", "2024-03-01").map((d) => d.date_id)).toEqual([
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
    ]);
  });

  it("refuses a value that is no yyyy-mm-dd day with a typed error carrying it", () => {
    expect(() => calendarDay("17/11/2024")).toThrow(CatalogError);
    expect(() => calendarRange("2024-11-01", "2024-11")).toThrow(
      expect.objectContaining({
        entry: "calendar day",
        value: "2024-11",
        message: 'not a yyyy-mm-dd date: "2024-11"',
      }),
    );
  });
});
