/** One `:name` placeholder in a statement: where it starts (at the colon) and the name. */
export interface Placeholder {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * The `:name` placeholders of a statement, skipping what is not SQL code: string literals
 * ('it''s :not'), quoted identifiers ("a:b"), comments, and `::type` casts. The Data API does
 * the same substitution server-side; this scan exists so the executor can check names before
 * sending and replace the values it may not send (NULL, '').
 */
export function placeholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    const skipped = pastNonCode(sql, i);
    if (skipped !== i) {
      i = skipped;
    } else if (ch === ":" && next === ":") {
      i += 2; // a cast, `a::date`
    } else if (ch === ":" && next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < sql.length && NAME_PART.test(sql[end]!)) end++;
      found.push({ name: sql.slice(i + 1, end), start: i, end });
      i = end;
    } else {
      i++;
    }
  }
  return found;
}

/**
 * Where the run of what is not SQL code starting at `i` ends — a string literal, a quoted
 * identifier, a line or block comment — or `i` itself when code starts there. Every scan of
 * statement text for parameters goes through it, so none mistakes a comment's `$1` or a
 * literal's `:name` for one.
 */
export function pastNonCode(sql: string, i: number): number {
  const ch = sql[i];
  const next = sql[i + 1];
  if (ch === "'" || ch === '"') return closing(sql, i + 1, ch);
  if (ch === "-" && next === "-") {
    const eol = sql.indexOf("\n", i);
    return eol < 0 ? sql.length : eol + 1;
  }
  if (ch === "/" && next === "*") {
    const end = sql.indexOf("*/", i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/** The index just past the quote closing a literal or identifier; a doubled quote is an escape. */
function closing(sql: string, from: number, quote: string): number {
  let i = from;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}
