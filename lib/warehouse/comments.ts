import {
  columnDescription,
  starsOf,
  tableDescription,
  type Column,
  type TargetTable,
} from "../catalog/index.js";
import { TARGET_TABLES } from "../catalog/index.js";
import { qualified, quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { currentViewName, factsWithCurrentView } from "./views.js";

/** "one row per x" → "One row per x." */
export const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

const list = (names: readonly string[]): string =>
  names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

/** Why the references are described and not declared; said wherever they are. */
export const REFERENCES_NOT_ENFORCED =
  "described, not declared: loads arrive in any order, so they cannot be enforced; `totes warehouse check` proves them";

/** The grain of a fact's current view: "one row per sales order: its newest version …". */
export function currentViewGrain(fact: TargetTable): string {
  const { entity } = tableDescription(fact.name);
  return `one row per ${entity ?? fact.naturalKey}: its current version, the one read from the source last (the latest commit, whatever its last_updated) in ${fact.name}`;
}

function starLine(table: TargetTable): string {
  const stars = starsOf(table).map((s) => s.name);
  return table.kind === "fact"
    ? `The fact of the ${stars.join(", ")} star`
    : `A dimension of the ${list(stars)} ${stars.length > 1 ? "stars" : "star"}`;
}

/** The comment on a table: grain, how it is built, its star, and how it is meant to be read. */
export function tableComment(table: TargetTable): string {
  const { rule } = tableDescription(table.name);
  const parts = [sentence(table.grain), `Source rule: ${rule}.`, `${starLine(table)}.`];
  if (table.kind === "fact")
    parts.push(
      `Keeps every version of a source row: for counts and sums as things stand, use ${currentViewName(table)}.`,
      `References to dims are ${REFERENCES_NOT_ENFORCED}.`,
    );
  return parts.join(" ");
}

export function currentViewComment(fact: TargetTable): string {
  return [
    sentence(currentViewGrain(fact)),
    `Use it for counts and sums as things stand; ${fact.name} has every version, for history.`,
    `Columns as in ${fact.name}.`,
  ].join(" ");
}

/** The comment on a column: meaning, source column, unit, and the dim it refers to. */
export function columnComment(table: TargetTable, column: Column): string {
  const { meaning, source, unit } = columnDescription(table.name, column.name);
  const parts = [sentence(meaning), `Source: ${source}.`];
  if (unit) parts.push(`Unit: ${unit}.`);
  if (column.references)
    parts.push(`References ${column.references.table}.${column.references.column} (not enforced).`);
  return parts.join(" ");
}

const commentOn = (kind: "TABLE" | "VIEW" | "COLUMN", target: string, text: string) =>
  `COMMENT ON ${kind} ${target} IS ${quoteLiteral(text)}`;

function columnComments(stars: string, relation: string, table: TargetTable): string[] {
  return table.columns.map((c) =>
    commentOn("COLUMN", `${qualified(stars, relation)}.${quoteIdent(c.name)}`, columnComment(table, c)),
  );
}

/** COMMENT ON every star table, current view and column: what psql's `\d+` and BI tools show. */
export function commentsDdl(stars: string): string[] {
  return [
    ...TARGET_TABLES.flatMap((t) => [
      commentOn("TABLE", qualified(stars, t.name), tableComment(t)),
      ...columnComments(stars, t.name, t),
    ]),
    ...factsWithCurrentView().flatMap((fact) => [
      commentOn("VIEW", qualified(stars, currentViewName(fact)), currentViewComment(fact)),
      ...columnComments(stars, currentViewName(fact), fact),
    ]),
  ];
}
