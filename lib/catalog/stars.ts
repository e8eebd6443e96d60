import { tableDescription } from "./descriptions.js";
import type { TargetTable } from "./types.js";
import { TARGET_TABLES } from "./warehouse.js";

export interface Star {
  /** "Sales", "Purchases", "Payments". */
  readonly name: string;
  readonly fact: TargetTable;
  /** The dims the fact references, in the order its columns first reference them. */
  readonly dims: readonly TargetTable[];
}

const byName = new Map<string, TargetTable>(TARGET_TABLES.map((t) => [t.name, t]));

function starOf(fact: TargetTable): Star {
  const dims: TargetTable[] = [];
  for (const column of fact.columns) {
    const dim = column.references && byName.get(column.references.table);
    if (dim && !dims.includes(dim)) dims.push(dim);
  }
  const name = tableDescription(fact.name).star;
  if (!name) throw new Error(`fact "${fact.name}" names no star (lib/catalog/descriptions.ts)`);
  return { name, fact, dims };
}

/** The three star schemas: each fact with the dims its columns reference (SPEC.md's "Stars"). */
export const STARS: readonly Star[] = TARGET_TABLES.filter((t) => t.kind === "fact").map(starOf);

/** The stars a table belongs to. */
export const starsOf = (table: TargetTable): Star[] =>
  STARS.filter((s) => s.fact === table || s.dims.includes(table));
