import {
  COLUMN_CHECKS,
  calendarSpan,
  calendarTable,
  type Column,
  type SourceTable,
} from "../catalog/index.js";
import { quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { duckType } from "./duck-types.js";

/** A condition under which a raw (text) value breaks the contract, and what to tell the operator. */
export interface Check {
  readonly column: string;
  readonly condition: string;
  readonly problem: string;
}

const matches = (v: string, pattern: string) => `NOT regexp_full_match(${v}, ${quoteLiteral(pattern)})`;

/** The checks of one column's type (and NULL-ness) on its raw text. */
export function typeChecks(column: Column): Check[] {
  const v = quoteIdent(column.name);
  const checks: Check[] = [];
  if (!column.nullable) checks.push({ column: column.name, condition: `${v} IS NULL`, problem: "is NULL" });
  const t = column.type;
  const add = (condition: string, problem: string) =>
    checks.push({ column: column.name, condition: `${v} IS NOT NULL AND (${condition})`, problem });
  switch (t.kind) {
    case "int":
      add(`${matches(v, "-?[0-9]{1,10}")} OR TRY_CAST(${v} AS INTEGER) IS NULL`, "is not a 32-bit integer");
      break;
    case "bigint":
      add(`${matches(v, "-?[0-9]{1,19}")} OR TRY_CAST(${v} AS BIGINT) IS NULL`, "is not a 64-bit integer");
      break;
    case "decimal":
      add(
        matches(v, `-?[0-9]{1,${t.precision - t.scale}}(\\.[0-9]{1,${t.scale}})?`),
        `is not a numeric(${t.precision},${t.scale})`,
      );
      break;
    case "timestamp":
      add(
        `${matches(v, "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?")} OR TRY_CAST(${v} AS TIMESTAMP) IS NULL`,
        "is not a timestamp",
      );
      break;
    case "textDate":
    case "date":
      add(
        `${matches(v, "[0-9]{4}-[0-9]{2}-[0-9]{2}")} OR TRY_STRPTIME(${v}, '%Y-%m-%d') IS NULL`,
        "is not a yyyy-mm-dd date",
      );
      break;
    case "boolean":
      add(`${v} NOT IN ('t', 'f', 'true', 'false')`, "is not a boolean");
      break;
    case "enum":
      add(`${v} NOT IN (${t.values.map(quoteLiteral).join(", ")})`, `is not one of ${t.values.join(", ")}`);
      break;
    case "text":
      if (t.maxLength) add(`length(${v}) > ${t.maxLength}`, `is longer than ${t.maxLength} characters`);
      break;
    case "time":
      add(`TRY_CAST(${v} AS TIME) IS NULL`, "is not a time");
      break;
  }
  return checks;
}

/** A column's value check from the catalog (ISO 4217 codes…), if it has one. */
function valueChecks(column: Column): Check[] {
  if (!column.check) return [];
  const v = quoteIdent(column.name);
  const rule = COLUMN_CHECKS[column.check];
  return [
    {
      column: column.name,
      condition: `${v} IS NOT NULL AND ${v} NOT IN (${rule.accepted.map(quoteLiteral).join(", ")})`,
      problem: rule.problem,
    },
  ];
}

/**
 * A fact source's dates and timestamps become calendar days: each must fall in the calendar's
 * span (catalog), checked on text already known to be a valid date or timestamp (yyyy-mm-dd…,
 * so text order is date order).
 */
function spanChecks(table: SourceTable): Check[] {
  if (!calendarTable().sources.includes(table.name)) return [];
  const { first, last } = calendarSpan();
  return table.columns
    .filter((c) => c.type.kind === "timestamp" || c.type.kind === "textDate" || c.type.kind === "date")
    .map((c) => ({
      column: c.name,
      condition: `${quoteIdent(c.name)} IS NOT NULL AND left(${quoteIdent(c.name)}, 10) NOT BETWEEN ${quoteLiteral(first)} AND ${quoteLiteral(last)}`,
      problem: `is outside the calendar's span (${first} to ${last}, the span of ${calendarTable().name} in the catalog)`,
    }));
}

/** Every check of the table's columns: the types of all of them first, then their value checks. */
export const contractChecks = (table: SourceTable): Check[] => [
  ...table.columns.flatMap(typeChecks),
  ...table.columns.flatMap(valueChecks),
  ...spanChecks(table),
];

/** A cell's raw text when every type check of its column passes, else NULL. */
function validOrNull(column: string | undefined, checks: readonly Check[]): string {
  if (column === undefined) return "NULL";
  const conditions = checks.filter((c) => c.column === column).map((c) => `(${c.condition})`);
  const v = quoteIdent(column);
  return conditions.length ? `CASE WHEN NOT coalesce(${conditions.join(" OR ")}, false) THEN ${v} END` : v;
}

/**
 * One query, one pass, that finds the offending rows of the raw table: each row's number
 * (data rows from 1), the index of its first failed check, the offending value (its first
 * `excerpt` characters), and the row's natural id and version where those cells are valid.
 * At most `limit` rows, in row order.
 */
export function violationsQuery(
  raw: string,
  checks: readonly Check[],
  options: { limit: number; excerpt: number; id?: string; version?: string; order?: string },
): string {
  const cases = checks.map((c, i) => `WHEN ${c.condition} THEN ${i}`).join(" ");
  const values = checks.map(
    (c, i) => `WHEN ${i} THEN left(${quoteIdent(c.column)}::VARCHAR, ${options.excerpt + 1})`,
  );
  return `SELECT row, failed, CASE failed ${values.join(" ")} END AS value, id, version, read_order
            FROM (SELECT rowid + 1 AS row, CASE ${cases} END AS failed,
                         ${validOrNull(options.id, checks)} AS id, ${validOrNull(options.version, checks)} AS version,
                         ${validOrNull(options.order, checks)} AS read_order, *
                    FROM ${raw})
           WHERE failed IS NOT NULL ORDER BY row LIMIT ${options.limit}`;
}

/** The first offending row only (see violationsQuery). */
export const firstViolationQuery = (raw: string, checks: readonly Check[]): string =>
  violationsQuery(raw, checks, { limit: 1, excerpt: 1_000_000 });

function typed(column: Column): string {
  const v = quoteIdent(column.name);
  if (column.type.kind === "textDate") return `CAST(strptime(${v}, '%Y-%m-%d') AS DATE) AS ${v}`;
  if (column.type.kind === "boolean") return `${v} IN ('t', 'true') AS ${v}`;
  return `CAST(${v} AS ${duckType(column.type)}) AS ${v}`;
}

/** The source table's columns, typed, in catalog order, then any `extra` select expressions. */
export const typedSelect = (table: SourceTable, from: string, extra: readonly string[] = []): string =>
  `SELECT ${[...table.columns.map(typed), ...extra].join(", ")} FROM ${from}`;

/** An empty table with the source table's typed columns (a state that does not exist yet). */
export const emptyTypedTable = (table: SourceTable, name: string): string =>
  `CREATE TABLE ${name} (${table.columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(", ")})`;
