import { TARGET_TABLES, type TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { inRecordedRange } from "./apply-sql.js";
import type { WarehouseSchemas } from "./schema.js";

/** The view of a fact's current versions: `fact_payment` → `fact_payment_current`. */
export const currentViewName = (fact: TargetTable): string => `${fact.name}_current`;

/** The facts, each of which has a current-version view. */
export const factsWithCurrentView = (): TargetTable[] => TARGET_TABLES.filter((t) => t.kind === "fact");

/**
 * The current versions of a fact, one row per natural id: its current version, the one read last (the latest commit, by the
 * read order `totes_meta.fact_read` keeps for a fact row, else the one `fact_read_range` keeps
 * for the record-id range a large load copied it in with; lib/pipeline/read-order.ts),
 * whatever `last_updated` it carries. Facts keep every version of a source row, so a plain sum
 * over a fact counts an order once per amendment; sums and counts "as things stand" go over
 * this view. A row with no read recorded (loaded before reads were kept) ranks below every
 * read; among those, and between versions of one read (a file made by hand), the newest
 * `last_updated`, then the newest record. ROW_NUMBER rather than DISTINCT ON, which Redshift
 * lacks. The view reads the bookkeeping schema with its owner's rights: analysts need none.
 */
export function currentVersionsSql(schemas: WarehouseSchemas, fact: TargetTable): string {
  if (fact.kind !== "fact" || !fact.versionKey?.length || !fact.recordId)
    throw new Error(`"${fact.name}" is not a versioned fact: it has no current-version view`);
  const columns = fact.columns.map((c) => quoteIdent(c.name));
  const record = quoteIdent(fact.recordId);
  const newestFirst = [
    "COALESCE(r.read_order, g.read_order) DESC NULLS LAST",
    ...fact.versionKey.map((c) => `f.${quoteIdent(c)} DESC`),
    `f.${record} DESC`,
  ].join(", ");
  return `SELECT ${columns.join(", ")}
    FROM (SELECT ${columns.map((c) => `f.${c}`).join(", ")},
                 ROW_NUMBER() OVER (PARTITION BY f.${quoteIdent(fact.naturalKey)} ORDER BY ${newestFirst}) AS version_rank
            FROM ${qualified(schemas.stars, fact.name)} f
            LEFT JOIN ${qualified(schemas.meta, "fact_read")} r
              ON r.table_name = ${quoteLiteral(fact.name)} AND r.record_id = f.${record}
            LEFT JOIN ${qualified(schemas.meta, "fact_read_range")} g
              ON g.table_name = ${quoteLiteral(fact.name)}
             AND ${inRecordedRange("g", `f.${record}`, "first_record", "last_record")}) versions
   WHERE version_rank = 1`;
}

/** The current-version view of a fact: `currentVersionsSql`, for analysts. */
export const currentViewDdl = (schemas: WarehouseSchemas, fact: TargetTable): string =>
  `CREATE OR REPLACE VIEW ${qualified(schemas.stars, currentViewName(fact))} AS
  ${currentVersionsSql(schemas, fact)}`;

export const currentViewsDdl = (schemas: WarehouseSchemas): string[] =>
  factsWithCurrentView().map((fact) => currentViewDdl(schemas, fact));
