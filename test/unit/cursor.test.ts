import { describe, expect, it } from "vitest";
import { parseXid8, xminCondition, xminTest } from "../../lib/extract/cursor.js";

const EPOCH = 2n ** 32n;

/** What the SQL condition decides for one 32-bit xmin, evaluated here. */
function reads(test: ReturnType<typeof xminTest>, xmin: number): boolean {
  switch (test.kind) {
    case "all":
      return true;
    case "between":
      return xmin >= test.lo && xmin < test.hi;
    case "wrapped":
      return xmin >= test.lo || xmin < test.hi;
  }
}

describe("xminTest", () => {
  it("reads everything on a first run", () => {
    expect(xminTest({ until: 1000n })).toEqual({ kind: "all" });
  });

  it("within one epoch: from the cursor (included) to the snapshot's xmax (excluded)", () => {
    const test = xminTest({ since: 5n * EPOCH + 100n, until: 5n * EPOCH + 200n });
    expect(test).toEqual({ kind: "between", lo: 100, hi: 200 });
    expect([99, 100, 199, 200].map((x) => reads(test, x))).toEqual([false, true, true, false]);
  });

  it("across a wraparound of the 32-bit counter, nothing written in between is missed", () => {
    const since = 5n * EPOCH + (EPOCH - 10n);
    const until = 6n * EPOCH + 20n;
    const test = xminTest({ since, until });
    expect(test.kind).toBe("wrapped");
    // Every transaction id in the window, as its 32-bit xmin, is read.
    for (let xid = since; xid < until; xid++)
      expect(reads(test, Number(xid % EPOCH)), String(xid)).toBe(true);
    // Frozen and old rows (xmin 2, or from the middle of the previous epoch) are not.
    expect(reads(test, 1_000_000)).toBe(false);
  });

  it("more than an epoch since the last run: every row, a harmless re-read", () => {
    expect(xminTest({ since: 1n * EPOCH + 5n, until: 3n * EPOCH + 1n })).toEqual({ kind: "all" });
  });

  it("a cursor at the snapshot reads nothing", () => {
    const test = xminTest({ since: 700n, until: 700n });
    expect([0, 699, 700, 2 ** 32 - 1].some((x) => reads(test, x))).toBe(false);
  });
});

describe("xminCondition", () => {
  it("reads its bounds from settings once, never from the row", () => {
    const sql = xminCondition({ kind: "wrapped", lo: 1, hi: 2 }, { lo: "t.lo", hi: "t.hi" });
    expect(sql).toBe(
      "(xmin::text::bigint >= (SELECT current_setting('t.lo')::bigint) OR xmin::text::bigint < (SELECT current_setting('t.hi')::bigint))",
    );
    expect(xminCondition({ kind: "all" }, { lo: "a", hi: "b" })).toBe("true");
  });
});

describe("parseXid8", () => {
  it("takes Postgres's text of an xid8 and nothing else", () => {
    expect(parseXid8("18446744073709551615")).toBe(2n ** 64n - 1n);
    expect(() => parseXid8("12a")).toThrow(/not an xid8/);
  });
});
