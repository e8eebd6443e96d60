import type { ColumnType } from "../catalog/index.js";

/**
 * The SQL verify runs on both sides to render and hash rows. Both sides must print an equal
 * value the same way whatever type holds it there: every value is rendered in one canonical
 * format (integers and money as digits at the catalog's scale, dates yyyy-mm-dd, times
 * hh:mm:ss with their milliseconds as Postgres prints them, booleans t/f, text as it is) and a
 * row's text is an unambiguous join of its values. Both sides of one comparison use one
 * dialect's row text: Postgres on both (the case here) takes the record's own text, one C
 * call per row; a Postgres source against a Redshift warehouse would take `portableRowText`
 * on both, which every engine with md5, casts and `||` can compute.
 */
export interface VerifyDialect {
  /** Statements that make the renders canonical, run first in each side's snapshot transaction. */
  readonly sessionSettings: readonly string[];
  /** One value as text in the canonical format; NULL stays NULL (the differing columns shown). */
  render(expr: string, type: ColumnType): string;
  /** A row's values as one unambiguous text. */
  rowText(columns: readonly RenderedColumn[]): string;
  /** A 60-bit integer hash of a text (summable over a million rows without overflow). */
  rowHash(text: string): string;
  /** The order-independent hash of a group: the sum of its row hashes, as text. */
  hashSum(hash: string): string;
  /** An integer hash as text (60 bits do not survive a JS number). */
  hashText(hash: string): string;
}

export interface RenderedColumn {
  readonly expr: string;
  readonly type: ColumnType;
}

const isText = (type: ColumnType) => type.kind === "text" || type.kind === "enum";

function render(expr: string, type: ColumnType): string {
  // Both sides hold the catalog type (the source side is cast to it, dates as yyyy-mm-dd text):
  // a cast prints the same digits, dates (DateStyle ISO) and times on each.
  return type.kind === "boolean"
    ? `CASE WHEN ${expr} THEN 't' WHEN NOT ${expr} THEN 'f' END`
    : `CAST(${expr} AS varchar)`;
}

/**
 * Values joined by commas, each text value length-prefixed (`5:Leeds`) so that no comma inside
 * one can shift the others, NULL as `\N`, which no rendered value can be.
 */
export function portableRowText(columns: readonly RenderedColumn[]): string {
  return columns
    .map(({ expr, type }) => {
      const r = render(expr, type);
      return isText(type)
        ? `coalesce(CAST(length(${r}) AS varchar) || ':' || ${r}, '\\N')`
        : `coalesce(${r}, '\\N')`;
    })
    .join(` || ',' || `);
}

export const postgresVerifyDialect: VerifyDialect = {
  // Dates print as yyyy-mm-dd whatever the server's or the login's default.
  sessionSettings: ["SET LOCAL DateStyle = 'ISO, YMD'"],
  render,
  // A record's text quotes any value with a comma, quote, parenthesis or space and leaves NULL
  // empty (an empty string is ""): unambiguous, and twice as fast as concatenating casts.
  rowText: (columns) => `CAST(ROW(${columns.map((c) => c.expr).join(", ")}) AS text)`,
  rowHash: (text) => `CAST(CAST('x' || substr(md5(${text}), 1, 15) AS bit(60)) AS bigint)`,
  hashSum: (hash) => `CAST(coalesce(sum(${hash}), 0) AS varchar)`,
  hashText: (hash) => `CAST(${hash} AS varchar)`,
};

/**
 * A row's text that Postgres and Redshift compute alike from their renders: each text value
 * length-prefixed (`5:Leeds`), NULL as `~`, which no rendered value is (text is prefixed, the
 * rest are digits, dates, times and t/f). No backslash: the engines read one in a literal
 * differently.
 */
function crossEngineRowText(
  columns: readonly RenderedColumn[],
  as: (expr: string, type: ColumnType) => string,
) {
  return columns
    .map(({ expr, type }) => {
      const r = as(expr, type);
      return isText(type)
        ? `coalesce(CAST(length(${r}) AS VARCHAR(12)) || ':' || ${r}, '~')`
        : `coalesce(${r}, '~')`;
    })
    .join(` || ',' || `);
}

/**
 * The source side (Postgres) of a comparison with a Redshift warehouse: the cross-engine row
 * text, hashed as Redshift hashes it (the first 15 hex digits of the md5 as an integer: the
 * same number `STRTOL(…, 16)` gives there).
 */
export const postgresPortableVerifyDialect: VerifyDialect = {
  ...postgresVerifyDialect,
  rowText: (columns) => crossEngineRowText(columns, render),
};

/** A value as text on Redshift: every cast with an explicit length (a bare VARCHAR is 256 bytes). */
function redshiftRender(expr: string, type: ColumnType): string {
  if (type.kind === "boolean") return `CASE WHEN ${expr} THEN 't' WHEN NOT ${expr} THEN 'f' END`;
  return `CAST(${expr} AS VARCHAR(${isText(type) ? "MAX" : "64"}))`;
}

/**
 * The warehouse side on Redshift: the same canonical text as the portable source side, so equal
 * rows hash equal across engines. Redshift's DateStyle default is ISO (no session settings);
 * whether it prints times and timestamps with the same fractional digits as Postgres is one of
 * the things only a real cluster shows (docs/architecture.md).
 */
export const redshiftVerifyDialect: VerifyDialect = {
  sessionSettings: [],
  render: redshiftRender,
  rowText: (columns) => crossEngineRowText(columns, redshiftRender),
  rowHash: (text) => `STRTOL(SUBSTRING(MD5(${text}), 1, 15), 16)`,
  hashSum: (hash) => `CAST(coalesce(sum(${hash}), 0) AS VARCHAR(40))`,
  hashText: (hash) => `CAST(${hash} AS VARCHAR(24))`,
};
