import { describe, expect, it } from "vitest";
import { CliError, formatError } from "../../cli/errors.js";
import { SourceChangedError } from "../../lib/extract/source-identity.js";

describe("errors as the command line prints them (issue 24: 9, 12)", () => {
  it("one `totes: …` line, then the next step when one is known", () => {
    expect(formatError(new Error("warehouse (postgres://x:****@h/w): connect ECONNREFUSED"))).toBe(
      "totes: warehouse (postgres://x:****@h/w): connect ECONNREFUSED",
    );
    expect(
      formatError(new CliError("no totesys schema at postgres://h/db", "npx totes source init --url <URL>")),
    ).toBe("totes: no totesys schema at postgres://h/db\nnpx totes source init --url <URL>");
  });

  it("a source that changed under the cursors: two lines naming `state reset`, not eleven clauses", () => {
    // Prepare: as the extract handler rethrows it, wrapped.
    const changed = new SourceChangedError([
      "database totesys was created again (oid 16384, was 16390)",
      "table sales_order was created again",
      "table payment was created again",
    ]);
    const wrapped = new Error("extract failed", { cause: changed });

    // Act
    const printed = formatError(wrapped).split("\n");

    // Assess
    expect(printed).toEqual([
      "totes: the source is not the one this data dir's cursors came from (database totesys was created again (oid 16384, was 16390) and 2 more); nothing was extracted",
      "if that is intended (a reset or restored source): npx totes state reset, then npx totes run",
    ]);
  });
});
