import { describe, expect, it } from "vitest";
import { toNamed } from "../../lib/warehouse/redshift/positional.js";

describe("toNamed: $n parameters as the Data API's :names", () => {
  it("names each $n with the statement's prefix and keeps its value", () => {
    // Act
    const named = toNamed("SELECT * FROM t WHERE a = $1 AND b = $2", ["x", 2], "s3_");

    // Assess
    expect(named).toEqual({
      sql: "SELECT * FROM t WHERE a = :s3_1 AND b = :s3_2",
      parameters: { s3_1: "x", s3_2: 2 },
    });
  });

  it("leaves what is not code alone: literals, quoted identifiers, line and block comments", () => {
    // Prepare: a `$1` in each place that is not a parameter (the block comment was read as one).
    const sql = `SELECT '$1', "$1" /* $1 */ FROM t -- $1\nWHERE a = $1`;

    // Act
    const named = toNamed(sql, ["v"]);

    // Assess
    expect(named.sql).toBe(`SELECT '$1', "$1" /* $1 */ FROM t -- $1\nWHERE a = :p1`);
    expect(named.parameters).toEqual({ p1: "v" });
  });
});
