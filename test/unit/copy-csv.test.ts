import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyCsvField, copyCsvLine, type CopyField } from "../../lib/db/copy-csv.js";
import type { Pool } from "../../lib/db/pool.js";
import { withTransaction } from "../../lib/db/pool.js";
import { freshPool } from "../helpers/databases.js";

describe("copyCsvField", () => {
  it("writes NULL as an empty field and the empty string as a quoted one", () => {
    expect(copyCsvField(null)).toBe("");
    expect(copyCsvField("")).toBe('""');
  });

  it("leaves plain text as it is", () => {
    expect(copyCsvField("Quigley LLC")).toBe("Quigley LLC");
    expect(copyCsvField(" padded ")).toBe(" padded ");
  });

  it.each([
    ["a comma", "Dublin, Ireland", '"Dublin, Ireland"'],
    ["a quote, doubled", 'the "best" one', '"the ""best"" one"'],
    ["a newline", "line 1\nline 2", '"line 1\nline 2"'],
    ["a carriage return", "line 1\r\nline 2", '"line 1\r\nline 2"'],
    ["only a quote", '"', '""""'],
  ])("quotes text with %s", (_what, value, encoded) => {
    expect(copyCsvField(value)).toBe(encoded);
  });

  it("writes numbers as their plain decimal text", () => {
    expect([0, 42, -7, 1.5, -0.05].map(copyCsvField)).toEqual(["0", "42", "-7", "1.5", "-0.05"]);
  });
});

describe("copyCsvLine", () => {
  it("joins the fields with commas and ends the line", () => {
    expect(copyCsvLine([1, null, "", "a,b"])).toBe('1,,"","a,b"\n');
  });
});

describe("copyCsvLine into Postgres COPY … FROM STDIN WITH (FORMAT csv)", () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = await freshPool("unit_copy_csv");
  });

  afterAll(async () => {
    await pool.end();
  });

  /** COPYs the rows into a fresh (v text, x numeric) table; what Postgres holds, in order. */
  async function roundTrip(rows: readonly (readonly CopyField[])[], columns = "v, x") {
    return withTransaction(pool, async (client) => {
      await client.query("CREATE TEMP TABLE t (i serial, v text, x numeric) ON COMMIT DROP");
      const lines = rows.map((row) => copyCsvLine(row)).join("");
      await pipeline(
        Readable.from([lines]),
        client.query(copyFrom(`COPY t (${columns}) FROM STDIN WITH (FORMAT csv)`)),
      );
      const held = await client.query<{ v: string | null; x: string | null }>(
        "SELECT v, x FROM t ORDER BY i",
      );
      return held.rows;
    });
  }

  it("keeps NULL, the empty string and awkward text apart and intact", async () => {
    // Prepare
    const values = [null, "", " ", "a,b", 'say "hi"', "two\nlines", "crlf\r\nend", "\\N", "NULL", "ünï©ødé"];

    // Act
    const held = await roundTrip(values.map((v) => [v, null]));

    // Assess
    expect(held.map((r) => r.v)).toEqual(values);
  });

  it("carries numbers exactly, negative and fractional ones included", async () => {
    // Act
    const held = await roundTrip([
      ["n", 0],
      ["n", -12345678.9],
      ["n", 0.01],
      ["n", "99999999.99"],
    ]);

    // Assess
    expect(held.map((r) => r.x)).toEqual(["0", "-12345678.9", "0.01", "99999999.99"]);
  });

  // Found while writing these tests: in CSV mode a line that is exactly \. is COPY's
  // end-of-data marker unless quoted, so a one-column row holding that text ends the COPY
  // and every later row is dropped without an error.
  it("does not let a value of \\. end the COPY early", async () => {
    // Act
    const held = await roundTrip([["before"], ["\\."], ["after"]], "v");

    // Assess
    expect(held.map((r) => r.v)).toEqual(["before", "\\.", "after"]);
  });
});
