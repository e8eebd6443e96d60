import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SOURCE_TABLES, TARGET_TABLES, columnNames, targetsFedBy } from "../lib/catalog/index.js";

// The contract, read from SPEC.md itself so the catalog cannot drift from it: the shared
// project folder's copy where it is beside the repo, else the copy kept in test/fixtures.
const sharedSpec = path.resolve(import.meta.dirname, "../../shared/SPEC.md");
const fixtureSpec = path.resolve(import.meta.dirname, "fixtures/SPEC.md");
const spec = readFileSync(existsSync(sharedSpec) ? sharedSpec : fixtureSpec, "utf8");

function specRows(headerStart: string): Map<string, string> {
  const start = spec.indexOf(headerStart);
  const rows = new Map<string, string>();
  for (const line of spec.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const [, name, columns] = line.split("|").map((c) => c.trim());
    if (name && columns) rows.set(name, columns);
  }
  return rows;
}

/** Column names from a SPEC cell: "a, b NULL, c → x, d numeric(10,2)" → [a, b, c, d]. */
const namesIn = (cell: string): string[] =>
  cell
    .split(/,(?![^(]*\))(?![^{]*\})/)
    .map((part) => part.trim().split(/\s+/)[0]!)
    .filter(Boolean);

describe("table catalog", () => {
  it.runIf(existsSync(sharedSpec))("keeps its fixture copy of SPEC.md up to date", () => {
    expect(readFileSync(fixtureSpec, "utf8")).toBe(readFileSync(sharedSpec, "utf8"));
  });

  it("has the 11 source tables of SPEC.md with every column in order", () => {
    const rows = specRows("| table | columns (besides created_at, last_updated) |");
    expect([...rows.keys()].sort()).toEqual(SOURCE_TABLES.map((t) => t.name).sort());
    for (const table of SOURCE_TABLES) {
      const catalog = columnNames(table).filter((c) => c !== "created_at" && c !== "last_updated");
      expect(catalog, table.name).toEqual(namesIn(rows.get(table.name)!));
      expect(columnNames(table), table.name).toEqual(expect.arrayContaining(["created_at", "last_updated"]));
    }
  });

  it("has the 11 warehouse tables of SPEC.md with every column in order", () => {
    const rows = specRows("| table | columns, in this order | source rule |");
    expect([...rows.keys()].sort()).toEqual(TARGET_TABLES.map((t) => t.name).sort());
    for (const table of TARGET_TABLES) {
      const expected = namesIn(rows.get(table.name)!).map((n) => n.replace(/\(time\)$/, ""));
      expect(columnNames(table), table.name).toEqual(expected);
    }
  });

  it("marks the nullable columns SPEC.md marks NULL", () => {
    const specNullable = (cell: string) =>
      cell
        .split(/,(?![^(]*\))(?![^{]*\})/)
        .map((p) => p.trim().split(/\s+/))
        .filter((words) => words.includes("NULL"))
        .map((words) => words[0]);
    const sources = specRows("| table | columns (besides created_at, last_updated) |");
    for (const table of SOURCE_TABLES) {
      const nullable = table.columns.filter((c) => "nullable" in c && c.nullable).map((c) => c.name);
      expect(nullable, table.name).toEqual(specNullable(sources.get(table.name)!));
    }
    // dim_staff.location is nullable too: it copies department.location, which SPEC marks NULL.
    const inherited = ["dim_staff.location"];
    const targets = specRows("| table | columns, in this order | source rule |");
    for (const table of TARGET_TABLES) {
      const nullable = table.columns
        .filter((c) => "nullable" in c && c.nullable && !inherited.includes(`${table.name}.${c.name}`))
        .map((c) => c.name);
      expect(nullable, table.name).toEqual(specNullable(targets.get(table.name)!));
    }
  });

  it("knows which warehouse tables each source table feeds", () => {
    const fed = (s: string) => targetsFedBy(s).map((t) => t.name);
    expect(fed("address")).toEqual(["dim_location", "dim_counterparty"]);
    expect(fed("department")).toEqual(["dim_staff"]);
    expect(fed("sales_order")).toEqual(["dim_date", "fact_sales_order"]);
    expect(fed("payment")).toEqual(["dim_date", "fact_payment"]);
    for (const source of SOURCE_TABLES) expect(fed(source.name).length, source.name).toBeGreaterThan(0);
  });

  it("points every warehouse reference at a dim's key", () => {
    for (const table of TARGET_TABLES)
      for (const column of table.columns)
        if ("references" in column && column.references) {
          const { table: refTable, column: refColumn } = column.references;
          const dim = TARGET_TABLES.find((t) => t.name === refTable);
          expect(dim?.naturalKey, `${table.name}.${column.name}`).toBe(refColumn);
        }
  });
});
