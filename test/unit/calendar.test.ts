import { describe, expect, it } from "vitest";
import { calendarDay, calendarRange } from "../../lib/model/calendar.js";

describe("calendarRange", () => {
  it("gives every day from first to last, both included, one day apart", () => {
    // Act
    const days = calendarRange("2023-12-30", "2024-01-02");

    // Assess
    expect(days.map((d) => d.date_id)).toEqual(["2023-12-30", "2023-12-31", "2024-01-01", "2024-01-02"]);
  });

  it("includes the leap day and knows 2023 has none", () => {
    expect(calendarRange("2024-02-28", "2024-03-01").map((d) => d.date_id)).toEqual([
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
    ]);
    expect(calendarRange("2023-02-28", "2023-03-01").map((d) => d.date_id)).toEqual([
      "2023-02-28",
      "2023-03-01",
    ]);
  });

  it("is contiguous over a long span: 366 days in 2024, no gap, no repeat", () => {
    // Act
    const days = calendarRange("2024-01-01", "2024-12-31");

    // Assess
    expect(days).toHaveLength(366);
    const ids = days.map((d) => d.date_id);
    for (let i = 1; i < ids.length; i++)
      expect(Date.parse(ids[i]!) - Date.parse(ids[i - 1]!), ids[i]).toBe(86_400_000);
  });

  it("is one day when first is last, and none when last comes before first", () => {
    expect(calendarRange("2024-11-15", "2024-11-15").map((d) => d.date_id)).toEqual(["2024-11-15"]);
    expect(calendarRange("2024-11-15", "2024-11-14")).toEqual([]);
  });

  it("does not depend on the process's time zone", () => {
    // Prepare: a day a naive local-midnight computation would shift in a zone west of UTC.
    const zone = process.env.TZ;
    process.env.TZ = "America/Los_Angeles";
    try {
      // Act
      const [day] = calendarRange("2024-03-10", "2024-03-10");

      // Assess
      expect(day).toMatchObject({ date_id: "2024-03-10", day: 10, day_of_week: 7, day_name: "Sunday" });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("refuses a date that is not yyyy-mm-dd, naming it", () => {
    expect(() => calendarRange("15/11/2024", "2024-11-16")).toThrow('not a yyyy-mm-dd date: "15/11/2024"');
    expect(() => calendarRange("2024-11-15", "2024-11-16T00:00:00")).toThrow(/not a yyyy-mm-dd date/);
  });

  // Found while writing these tests: the shape is checked, not the date, so an impossible
  // day rolls over into a row whose date_id disagrees with its fields, and an impossible
  // bound silently yields no days at all.
  it("refuses an impossible date rather than rolling it over or returning nothing", () => {
    expect(() => calendarDay("2023-02-29")).toThrow(/2023-02-29/);
    expect(() => calendarRange("2024-11-01", "2024-13-01")).toThrow(/2024-13-01/);
  });
});

describe("calendarDay", () => {
  it("has the fields of a dim_date row", () => {
    expect(calendarDay("2024-11-15")).toEqual({
      date_id: "2024-11-15",
      year: 2024,
      month: 11,
      day: 15,
      day_of_week: 5,
      day_name: "Friday",
      month_name: "November",
      quarter: 4,
    });
  });

  it("numbers the week ISO-style: Monday 1 … Sunday 7", () => {
    // Act: 2024-11-11 is a Monday.
    const week = calendarRange("2024-11-11", "2024-11-17");

    // Assess
    expect(week.map((d) => [d.day_of_week, d.day_name])).toEqual([
      [1, "Monday"],
      [2, "Tuesday"],
      [3, "Wednesday"],
      [4, "Thursday"],
      [5, "Friday"],
      [6, "Saturday"],
      [7, "Sunday"],
    ]);
  });

  it("puts each month in its quarter", () => {
    // Prepare
    const firsts = Array.from({ length: 12 }, (_, m) => `2024-${String(m + 1).padStart(2, "0")}-01`);

    // Act
    const days = firsts.map(calendarDay);

    // Assess
    expect(days.map((d) => d.quarter)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(days.map((d) => d.month_name)).toEqual([
      "January",
      "February",
      "March",
      "April",
      "May",
      "June",
      "July",
      "August",
      "September",
      "October",
      "November",
      "December",
    ]);
  });
});
