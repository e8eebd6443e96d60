import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STARS, TABLE_DESCRIPTIONS, TARGET_TABLES, columnNames } from "../lib/catalog/index.js";

const sharedSpec = path.resolve(import.meta.dirname, "../../shared/SPEC.md");
const fixtureSpec = path.resolve(import.meta.dirname, "fixtures/SPEC.md");
const spec = readFileSync(existsSync(sharedSpec) ? sharedSpec : fixtureSpec, "utf8");

describe("warehouse descriptions (lib/catalog/descriptions.ts)", () => {
  it("describe every catalog table and column, and nothing else", () => {
    // Prepare
    const catalog = Object.fromEntries(TARGET_TABLES.map((t) => [t.name, columnNames(t).sort()]));
    // Act
    const described = Object.fromEntries(
      Object.entries(TABLE_DESCRIPTIONS).map(([name, d]) => [name, Object.keys(d.columns).sort()]),
    );
    // Assess
    expect(described).toEqual(catalog);
  });

  it("are sentences the generators can punctuate, and markdown-table safe", () => {
    const texts = Object.entries(TABLE_DESCRIPTIONS).flatMap(([table, d]) => [
      [table, d.rule],
      ...Object.entries(d.columns).flatMap(([column, c]) =>
        [c.meaning, c.source, c.unit].flatMap((t) => (t === undefined ? [] : [[`${table}.${column}`, t]])),
      ),
    ]);
    for (const [where, text] of texts) {
      expect(text, where).toMatch(/\S/);
      expect(text, where).not.toMatch(/[.|]$|\|/);
    }
  });

  it("name a star and an entity for each fact, none for a dim", () => {
    for (const table of TARGET_TABLES) {
      const { star, entity } = TABLE_DESCRIPTIONS[table.name];
      if (table.kind === "fact")
        expect([star, entity], table.name).toEqual([expect.any(String), expect.any(String)]);
      else expect([star, entity], table.name).toEqual([undefined, undefined]);
    }
  });

  it("make the stars SPEC.md lists: each fact with the dims it references", () => {
    // "Stars: Sales = fact_sales_order + dim_date, dim_staff, …. Purchases = …"
    const line = spec.slice(spec.indexOf("Stars: ")).split("\n\n")[0]!.replace(/\s+/g, " ");
    const stars = [...line.matchAll(/(\w+) = (\w+) \+ ([\w, ]+)/g)].map(([, name, fact, dims]) => ({
      name,
      fact,
      dims: dims!.split(", ").sort(),
    }));
    expect(stars).toHaveLength(3);
    expect(
      STARS.map((s) => ({ name: s.name, fact: s.fact.name, dims: s.dims.map((d) => d.name).sort() })),
    ).toEqual(stars);
  });
});
