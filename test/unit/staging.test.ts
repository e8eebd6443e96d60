import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLUMN_CHECKS, CURRENCY_NAMES, sourceTable, type SourceTable } from "../../lib/catalog/index.js";
import { DuckSession } from "../../lib/transform/duckdb-session.js";
import { contractChecks, firstViolationQuery } from "../../lib/transform/staging.js";

/** A made-up table whose only rule beyond its types is a catalog column check. */
const ledger: SourceTable = {
  name: "ledger",
  primaryKey: "ledger_id",
  columns: [
    { name: "ledger_id", type: { kind: "int" } },
    { name: "paid_in", type: { kind: "text" }, nullable: true, check: "iso4217" },
  ],
};

describe("input checks from the catalog", () => {
  let dir: string;
  let duck: DuckSession;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "totes-staging-"));
    duck = await DuckSession.open();
  });
  afterAll(async () => {
    await duck.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The first violation in `rows` (text values, as a CSV gives them), or undefined. */
  async function firstViolation(table: SourceTable, rows: (string | null)[][]) {
    const columns = table.columns.map((c) => `"${c.name}" VARCHAR`).join(", ");
    await duck.run(`CREATE OR REPLACE TABLE raw_test (${columns})`);
    for (const row of rows)
      await duck.run(`INSERT INTO raw_test VALUES (${row.map((_, i) => `$${i + 1}`).join(", ")})`, row);
    const checks = contractChecks(table);
    const [found] = await duck.rows<{ row: number; failed: number; value: string | null }>(
      firstViolationQuery("raw_test", checks),
    );
    return found && { row: Number(found.row), column: checks[found.failed]!.column, value: found.value };
  }

  it("puts the ISO 4217 check on currency.currency_code as a property of the column", () => {
    // Prepare
    const currency = sourceTable("currency");
    // Act
    const checks = contractChecks(currency).filter((c) => c.problem === COLUMN_CHECKS.iso4217.problem);
    // Assess
    expect(currency.columns.find((c) => c.name === "currency_code")?.check).toBe("iso4217");
    expect(checks.map((c) => c.column)).toEqual(["currency_code"]);
    expect(COLUMN_CHECKS.iso4217.accepted).toEqual(Object.keys(CURRENCY_NAMES));
  });

  it("checks the column types of every column before any value check", () => {
    const problems = contractChecks(sourceTable("currency")).map((c) => c.problem);
    expect(problems.at(-1)).toBe(COLUMN_CHECKS.iso4217.problem);
  });

  it("finds the first row whose currency code it does not know", async () => {
    // Prepare
    const ts = "2024-11-16 10:00:00.123";
    const rows = [
      ["1", "GBP", ts, ts],
      ["2", "XXX", ts, ts],
      ["3", "YYY", ts, ts],
    ];
    // Act, Assess
    expect(await firstViolation(sourceTable("currency"), rows)).toEqual({
      row: 2,
      column: "currency_code",
      value: "XXX",
    });
    expect(await firstViolation(sourceTable("currency"), [rows[0]!])).toBeUndefined();
  });

  it("applies a check to whatever column carries it, and lets a nullable one be NULL", async () => {
    expect(
      await firstViolation(ledger, [
        ["1", "EUR"],
        ["2", null],
        ["3", "eur"],
      ]),
    ).toEqual({ row: 3, column: "paid_in", value: "eur" });
  });
});
