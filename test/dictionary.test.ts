import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TARGET_TABLES } from "../lib/catalog/index.js";
import {
  DICTIONARY_COMMAND,
  DICTIONARY_PATH,
  warehouseDictionary,
} from "../tools/docs/warehouse-dictionary.js";
import { currentViewName } from "../lib/warehouse/views.js";

const committed = readFileSync(path.resolve(import.meta.dirname, "..", DICTIONARY_PATH), "utf8");

describe("the data dictionary (docs/warehouse.md)", () => {
  it(`is committed as the catalog generates it (else run \`${DICTIONARY_COMMAND}\`)`, () => {
    expect(committed, `${DICTIONARY_PATH} is stale: run \`${DICTIONARY_COMMAND}\``).toBe(
      warehouseDictionary(),
    );
  });

  it("has an entity-relation diagram per star and a section per table and current view", () => {
    const text = warehouseDictionary();
    expect(text.match(/```mermaid\nerDiagram\n/g)).toHaveLength(3);
    for (const table of TARGET_TABLES) {
      expect(text).toContain(`\n### ${table.name}\n\n**Grain:** ${table.grain}.`);
      if (table.kind === "fact") expect(text).toContain(`\n### ${currentViewName(table)} (view)\n`);
    }
    // Every relationship line of a diagram is a column with a reference.
    expect(text).toContain("  dim_staff ||--o{ fact_sales_order : sales_staff_id\n");
    expect(text).toContain("  dim_transaction ||--o{ fact_payment : transaction_id\n");
  });
});
