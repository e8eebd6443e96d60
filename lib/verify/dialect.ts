import type { ColumnType } from "../catalog/index.js";

/**
 * The SQL verify runs on both sides to render and hash rows. Both sides must print a value
 * the same way whatever type holds it there, so every column is rendered with a fixed
 * format (never the session's DateStyle or a driver's parser), and a row's text is an
 * unambiguous concatenation: each value length-prefixed, NULL a marker no value can produce.
 * Postgres and Redshift both have md5, substr, to_char, `||` and integer division.
 */
export interface VerifyDialect {
  /** One value as text in a fixed format; NULL stays NULL. */
  render(expr: string, type: ColumnType): string;
  /** Rendered values as one text per row: `len:value` for each, `-` for NULL, comma-separated. */
  rowText(rendered: readonly string[]): string;
  /** A 60-bit integer hash of a text (summable over a million rows without overflow). */
  rowHash(text: string): string;
  /** The order-independent hash of a group: the sum of its row hashes, as text. */
  hashSum(hash: string): string;
  /** An integer hash as text (60 bits do not survive a JS number). */
  hashText(hash: string): string;
}

export const postgresVerifyDialect: VerifyDialect = {
  render(expr, type) {
    switch (type.kind) {
      case "int":
      case "text":
      case "enum":
        return `CAST(${expr} AS varchar)`;
      case "decimal":
        // The scale fixed on both sides: 12.5 and 12.50 are the same money.
        return `CAST(CAST(${expr} AS numeric(${type.precision},${type.scale})) AS varchar)`;
      case "date":
      case "textDate":
        return `to_char(${expr}, 'YYYY-MM-DD')`;
      case "time":
        // to_char takes no time: a time is rendered as the time of day of a fixed date.
        return `to_char(DATE '2000-01-01' + ${expr}, 'HH24:MI:SS.MS')`;
      case "timestamp":
        return `to_char(${expr}, 'YYYY-MM-DD HH24:MI:SS.MS')`;
      case "boolean":
        return `CASE WHEN ${expr} THEN 't' WHEN NOT ${expr} THEN 'f' END`;
    }
  },
  rowText: (rendered) =>
    rendered.map((r) => `coalesce(CAST(length(${r}) AS varchar) || ':' || ${r}, '-')`).join(` || ',' || `),
  rowHash: (text) => `CAST(CAST('x' || substr(md5(${text}), 1, 15) AS bit(60)) AS bigint)`,
  hashSum: (hash) => `CAST(coalesce(sum(${hash}), 0) AS varchar)`,
  hashText: (hash) => `CAST(${hash} AS varchar)`,
};
