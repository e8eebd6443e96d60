import { TARGET_TABLES, type TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";

/** The view of a fact's current versions: `fact_payment` → `fact_payment_current`. */
export const currentViewName = (fact: TargetTable): string => `${fact.name}_current`;

/** The facts, each of which has a current-version view. */
export const factsWithCurrentView = (): TargetTable[] => TARGET_TABLES.filter((t) => t.kind === "fact");

/**
 * One row per natural id: its newest version. Facts keep every version of a source row, so
 * a plain sum over a fact counts an order once per amendment; sums and counts "as things
 * stand" go over this view. ROW_NUMBER rather than DISTINCT ON, which Redshift lacks;
 * (natural id, version) is unique, so exactly one row per id ranks first.
 */
export function currentViewDdl(stars: string, fact: TargetTable): string {
  if (fact.kind !== "fact" || !fact.versionKey?.length)
    throw new Error(`"${fact.name}" is not a versioned fact: it has no current-version view`);
  const columns = fact.columns.map((c) => quoteIdent(c.name)).join(", ");
  const newestFirst = fact.versionKey.map((c) => `${quoteIdent(c)} DESC`).join(", ");
  return `CREATE OR REPLACE VIEW ${qualified(stars, currentViewName(fact))} AS
  SELECT ${columns}
    FROM (SELECT ${columns},
                 ROW_NUMBER() OVER (PARTITION BY ${quoteIdent(fact.naturalKey)} ORDER BY ${newestFirst}) AS version_rank
            FROM ${qualified(stars, fact.name)}) versions
   WHERE version_rank = 1`;
}

export const currentViewsDdl = (stars: string): string[] =>
  factsWithCurrentView().map((fact) => currentViewDdl(stars, fact));
