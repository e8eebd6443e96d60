import { loadedColumns, type TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import type { DanglingReference, SqlSession } from "../warehouse/warehouse.js";
import type { VerifyDialect } from "./dialect.js";

/**
 * The data tests a dbt user expects beside each model, stated by the catalog: unique and not
 * null on a table's key (a dim's natural id, a fact's natural id and version, the calendar's
 * day), every reference resolving to its dim, and the calendar contiguous.
 */
export type DataTest =
  | { readonly kind: "unique"; readonly columns: readonly string[] }
  | { readonly kind: "not_null"; readonly column: string }
  | { readonly kind: "relationships"; readonly column: string; readonly to: string }
  | { readonly kind: "contiguous"; readonly column: string };

export interface DataTestResult {
  /** As dbt names it: `unique(sales_order_id, last_updated_date, last_updated_time)`. */
  readonly name: string;
  readonly test: DataTest;
  /** Offending keys, rows or gaps; 0 when the test passes. */
  readonly failures: number;
  /** The first few offending keys (or gaps), as text. */
  readonly examples: readonly string[];
}

/** The key whose uniqueness is the table's grain. */
const grainKey = (table: TargetTable): string[] =>
  table.kind === "fact" ? [table.naturalKey, ...(table.versionKey ?? [])] : [table.naturalKey];

export function dataTests(table: TargetTable): DataTest[] {
  const key = grainKey(table);
  const tests: DataTest[] = [
    { kind: "unique", columns: key },
    ...key.map((column): DataTest => ({ kind: "not_null", column })),
  ];
  for (const c of loadedColumns(table))
    if (c.references)
      tests.push({
        kind: "relationships",
        column: c.name,
        to: `${c.references.table}.${c.references.column}`,
      });
  if (table.kind === "calendar") tests.push({ kind: "contiguous", column: table.naturalKey });
  return tests;
}

export function testName(test: DataTest): string {
  switch (test.kind) {
    case "unique":
      return `unique(${test.columns.join(", ")})`;
    case "not_null":
      return `not_null(${test.column})`;
    case "relationships":
      return `relationships(${test.column} → ${test.to})`;
    case "contiguous":
      return `contiguous(${test.column})`;
  }
}

const EXAMPLES = 5;

/**
 * Runs a table's data tests on the warehouse. References come from the port's
 * `checkReferences()` (run once for every table), passed in as `dangling`.
 */
export async function runDataTests(
  db: SqlSession,
  table: TargetTable,
  stars: string,
  dialect: VerifyDialect,
  dangling: readonly DanglingReference[],
): Promise<DataTestResult[]> {
  const from = qualified(stars, table.name);
  const typeOf = (name: string) => table.columns.find((c) => c.name === name)!.type;
  const results: DataTestResult[] = [];
  for (const test of dataTests(table)) {
    let failures = 0;
    let examples: string[] = [];
    switch (test.kind) {
      case "unique": {
        const cols = test.columns.map(quoteIdent).join(", ");
        const shown = test.columns
          .map((c) => `coalesce(${dialect.render(quoteIdent(c), typeOf(c))}, 'NULL')`)
          .join(` || ', ' || `);
        const { rows } = await db.query<{ example: string; groups: number }>(
          `SELECT ${shown} AS example, CAST(count(*) OVER () AS integer) AS groups
             FROM ${from} GROUP BY ${cols} HAVING count(*) > 1 ORDER BY 1 LIMIT ${EXAMPLES}`,
        );
        failures = Number(rows[0]?.groups ?? 0);
        examples = rows.map((r) => r.example);
        break;
      }
      case "not_null": {
        const { rows } = await db.query<{ n: number }>(
          `SELECT CAST(count(*) AS integer) AS n FROM ${from} WHERE ${quoteIdent(test.column)} IS NULL`,
        );
        failures = Number(rows[0]?.n ?? 0);
        break;
      }
      case "relationships": {
        const found = dangling.find((d) => d.table === table.name && d.column === test.column);
        failures = found?.rows ?? 0;
        break;
      }
      case "contiguous": {
        const day = quoteIdent(test.column);
        const { rows } = await db.query<{ after: string; before: string; gaps: number }>(
          `SELECT to_char(d, 'YYYY-MM-DD') AS after, to_char(next, 'YYYY-MM-DD') AS before,
                  CAST(count(*) OVER () AS integer) AS gaps
             FROM (SELECT ${day} AS d, lead(${day}) OVER (ORDER BY ${day}) AS next FROM ${from}) x
            WHERE next > d + 1 ORDER BY d LIMIT ${EXAMPLES}`,
        );
        failures = Number(rows[0]?.gaps ?? 0);
        examples = rows.map((r) => `no day between ${r.after} and ${r.before}`);
        break;
      }
    }
    results.push({ name: testName(test), test, failures, examples });
  }
  return results;
}
