import { SOURCE_TABLES, TARGET_TABLES } from "../lib/catalog/index.js";
import { CliError } from "./errors.js";

/**
 * Table names as people type them. Each command works on one kind of table (verify on
 * warehouse tables, backfill, state reset and the quarantine on source tables), and takes the
 * other kind where it maps to exactly one: `verify --table design` is `dim_design`,
 * `backfill --table dim_design` is `design`. Anything else is refused with the nearest names.
 */
const sourceNames: readonly string[] = SOURCE_TABLES.map((t) => t.name);
const warehouseNames: readonly string[] = TARGET_TABLES.map((t) => t.name);

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** A name without its star prefix: `dim_desgn` and `desgn` are both a typo of design. */
const bare = (name: string) => name.replace(/^(dim|fact)_/, "");

/** The closest names to `name`, at most three, within a few edits. */
function nearest(name: string, candidates: readonly string[]): string[] {
  return candidates
    .map((c) => ({ c, d: distance(bare(name), bare(c)) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map((x) => x.c);
}

function resolve(
  names: readonly string[],
  flag: string,
  kind: "source" | "warehouse",
  fromOther: (name: string) => readonly string[],
): string[] {
  const own = kind === "source" ? sourceNames : warehouseNames;
  const other = kind === "source" ? warehouseNames : sourceNames;
  const resolved: string[] = [];
  for (const name of names) {
    if (own.includes(name)) {
      resolved.push(name);
      continue;
    }
    const mapped = other.includes(name) ? fromOther(name) : [];
    if (mapped.length === 1) {
      resolved.push(mapped[0]!);
      continue;
    }
    const guesses = mapped.length > 1 ? mapped : nearest(name, own);
    throw new CliError(
      `${flag}: unknown ${kind} table "${name}"${
        mapped.length > 1
          ? ` (the ${kind === "source" ? "warehouse" : "source"} table ${name} maps to several)`
          : ""
      }`,
      guesses.length ? `did you mean ${guesses.join(" or ")}?` : `the ${kind} tables are ${own.join(", ")}`,
    );
  }
  return [...new Set(resolved)];
}

/** Source tables, from source names or warehouse names built from one source table. */
export const sourceTables = (names: readonly string[], flag = "--table"): string[] =>
  resolve(names, flag, "source", (name) => TARGET_TABLES.find((t) => t.name === name)?.sources ?? []);

/** Warehouse tables, from warehouse names or source names that feed one warehouse table. */
export const warehouseTables = (names: readonly string[], flag = "--table"): string[] =>
  resolve(names, flag, "warehouse", (name) =>
    TARGET_TABLES.filter((t) => (t.sources as readonly string[]).includes(name) && t.kind !== "calendar").map(
      (t) => t.name,
    ),
  );
