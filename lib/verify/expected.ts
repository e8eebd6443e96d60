import {
  SOURCE_TABLES,
  loadedColumns,
  sqlType,
  type Column,
  type SourceTable,
  type TargetTable,
} from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import { currencyNamesSql } from "../model/currency-names.js";
import { READ_ORDER } from "../pipeline/read-order.js";
import { MODELS } from "../transform/models/index.js";
import { VerifyError } from "./errors.js";

/**
 * What the warehouse should hold, computed on the source: the table's transform model
 * (lib/transform/models/) run in Postgres over the whole source, with the views a model reads
 * (models/model.ts) made from the source tables the way the transform makes them from a CSV:
 *   cur_<t>       every row of `schema`.t, enums as text, with a NULL `_read_order` (it orders
 *                 reads; verify reads once);
 *   versions_<t>  the same with created_at and last_updated split into *_date and *_time;
 *   changed_<t>   every id of t (verify rebuilds everything, so every row counts as changed);
 *   currency_names the ISO 4217 list (lib/model/currency-names.ts), as the transform has it.
 * Facts: each source row is its current version, which is what the fact's `_current` view
 * should show. The result has the table's loaded columns (no record id), in catalog types,
 * except dates, which are yyyy-mm-dd text (verify's sessions print dates so): a text date of
 * the source is passed on as it is, never parsed, so a row the transform quarantined for an
 * impossible date shows as missing instead of stopping verify, and no regular expression runs
 * on a million rows.
 */
export function expectedRowsSql(target: TargetTable, schema: string): string {
  const model = MODELS.get(target.name);
  if (!model)
    throw new VerifyError(
      target.name,
      `"${target.name}" has no transform model to compute it from the source`,
    );
  const views = modelViews(model.sql, schema);
  const columns = loadedColumns(target).map(
    (c) => `${castInto(`m.${quoteIdent(c.name)}`, c.type)} AS ${quoteIdent(c.name)}`,
  );
  return `WITH ${views.map((v) => `${v.name} AS (${v.sql})`).join(",\n     ")}
SELECT ${columns.join(", ")} FROM (${portable(target, model.sql, views)}) m`;
}

/**
 * A source value in the warehouse's type. A value that does not fit (a source column widened
 * past the catalog: 3,000,000,000 in an integer, 10^9 in a numeric(10,2)) becomes NULL instead
 * of failing the whole query: the transform quarantined that row, so verify reports its id as
 * missing or differing and goes on to the others.
 */
function castInto(expr: string, type: Column["type"]): string {
  switch (type.kind) {
    case "date":
      return `CAST(${expr} AS varchar)`;
    case "int":
      return `CASE WHEN ${expr} BETWEEN -2147483648 AND 2147483647 THEN CAST(${expr} AS integer) END`;
    case "decimal":
      return `CASE WHEN round(abs(${expr}), ${type.scale}) < 1e${type.precision - type.scale} THEN CAST(${expr} AS ${sqlType(type)}) END`;
    default:
      return `CAST(${expr} AS ${sqlType(type)})`;
  }
}

interface View {
  readonly name: string;
  readonly sql: string;
  readonly columns: readonly string[];
}

/** The timestamp splits the transform adds to `versions_<t>` (lib/transform/transform.ts). */
const SPLITS: readonly [string, string, "date" | "time(3)"][] = [
  ["created_date", "created_at", "date"],
  ["created_time", "created_at", "time(3)"],
  ["last_updated_date", "last_updated", "date"],
  ["last_updated_time", "last_updated", "time(3)"],
];

function typed(column: Column): string {
  const v = quoteIdent(column.name);
  if (column.type.kind === "enum") return `CAST(${v} AS text) AS ${v}`;
  return v;
}

function sourceViews(table: SourceTable, schema: string): View[] {
  const names = [...table.columns.map((c) => c.name), READ_ORDER];
  const row = [...table.columns.map(typed), `CAST(NULL AS bigint) AS ${READ_ORDER}`];
  const relation = qualified(schema, table.name);
  const cur = `SELECT ${row.join(", ")} FROM ${relation}`;
  const splits = SPLITS.map(([name, from, type]) => `CAST(${quoteIdent(from)} AS ${type}) AS ${name}`);
  return [
    { name: `cur_${table.name}`, sql: cur, columns: names },
    {
      name: `versions_${table.name}`,
      sql: `SELECT ${[...row, ...splits].join(", ")} FROM ${relation}`,
      columns: [...names, ...SPLITS.map(([name]) => name)],
    },
    {
      name: `changed_${table.name}`,
      sql: `SELECT ${quoteIdent(table.primaryKey)} FROM ${relation}`,
      columns: [table.primaryKey],
    },
  ];
}

const currencyNames = (): View => ({
  name: "currency_names",
  sql: currencyNamesSql(),
  columns: ["currency_code", "currency_name"],
});

/** The views a model's SQL names, over the source tables of `schema`. */
function modelViews(sql: string, schema: string): View[] {
  const words = new Set(sql.match(/\w+/g));
  return [...SOURCE_TABLES.flatMap((t) => sourceViews(t, schema)), currencyNames()].filter((v) =>
    words.has(v.name),
  );
}

/**
 * The model in SQL Postgres takes. Models are written for DuckDB; the one construct of theirs
 * Postgres lacks is `SELECT * EXCLUDE (a, b), … FROM view`, written out here from the view's
 * columns. Anything else DuckDB-only fails verify's tests (test/verify.test.ts), naming the model.
 */
function portable(target: TargetTable, sql: string, views: readonly View[]): string {
  const exclude = /\*\s+EXCLUDE\s*\(([^)]*)\)/i.exec(sql);
  if (!exclude) return sql;
  const from = /\bFROM\s+(\w+)\s*$/i.exec(sql.trim());
  const view = from && views.find((v) => v.name === from[1]);
  if (!view)
    throw new VerifyError(
      target.name,
      `the model of ${target.name} uses * EXCLUDE over something other than one view: verify cannot run it on the source`,
    );
  const excluded = new Set(exclude[1]!.split(",").map((c) => c.trim()));
  const kept = view.columns.filter((c) => !excluded.has(c)).map(quoteIdent);
  return sql.replace(exclude[0], kept.join(", "));
}
