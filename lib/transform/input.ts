import { open } from "node:fs/promises";
import { columnNames } from "../catalog/index.js";
import type { SourceTable } from "../catalog/index.js";
import { quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { BadObjectError, BadRowError } from "../errors.js";
import type { DuckSession } from "./duckdb-session.js";
import { EXCERPT_CHARS, excerptOf, type QuarantinedRow } from "../pipeline/quarantine.js";
import { legacyReadOrder, READ_ORDER } from "../pipeline/read-order.js";
import { contractChecks, typeChecks, violationsQuery } from "./staging.js";

/*
 * Reading one ingestion CSV into DuckDB, all of it checked against the catalog before any
 * model runs. A bad row is set aside (quarantined) with an error naming its table, object,
 * row and column; an object that cannot be read as the table's CSV fails whole.
 */

async function csvHeader(file: string): Promise<string[]> {
  const handle = await open(file);
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, bytesRead).toString("utf8").split(/\r?\n/)[0] ?? "";
    return line.split(",").map((name) => name.replace(/^"|"$/g, ""));
  } finally {
    await handle.close();
  }
}

function checkHeader(table: SourceTable, key: string, header: string[]): void {
  const expected = columnNames(table);
  const unknown = header.filter((c) => !expected.includes(c) && c !== READ_ORDER);
  const missing = expected.filter((c) => !header.includes(c));
  if (unknown.length || missing.length)
    throw new BadObjectError(
      table.name,
      key,
      `header does not match the catalog (schema drift?): ` +
        [
          unknown.length ? `unknown columns ${unknown.join(", ")}` : "",
          missing.length ? `missing ${missing.join(", ")}` : "",
        ]
          .filter(Boolean)
          .join("; "),
    );
}

/** The read order every row ends with (lib/pipeline/read-order.ts), as extract writes it. */
const READ_ORDER_CHECKS = typeChecks({ name: READ_ORDER, type: { kind: "bigint" } });

/** DuckDB's CSV errors, said the way the rest of the pipeline says them: table, object, row. */
function csvError(table: SourceTable, key: string, error: unknown): BadObjectError {
  const message = (error as Error).message;
  const line = /CSV Error on Line: (\d+)/.exec(message);
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (line && columns)
    return new BadRowError(
      table.name,
      key,
      Number(line[1]) - 1,
      undefined,
      `has ${columns[2]} fields where the header has ${columns[1]}`,
    );
  const firstLine = message.split("\n")[0] ?? message;
  return new BadObjectError(table.name, key, `not a well-formed CSV: ${firstLine}`, { cause: error });
}

/**
 * Above this many bad rows an input is refused whole (→ DLQ): that many is a systematic
 * problem (a changed format, a catalog out of date), not a few bad rows to set aside.
 */
export const MAX_QUARANTINED_ROWS = 1000;

/** What was read: every row, and the rows set aside (already removed from `raw`). */
export interface RawInput {
  readonly rowsIn: number;
  readonly quarantined: readonly QuarantinedRow[];
}

interface FoundRow {
  readonly row: number;
  readonly id: string | null;
  readonly version: string | null;
  readonly read_order: string | null;
}

function quarantinedRow(
  table: SourceTable,
  key: string,
  found: FoundRow,
  column: string,
  value: string | null,
  problem: string,
): QuarantinedRow {
  const excerpt = excerptOf(value);
  const shown = excerpt === null ? "NULL" : JSON.stringify(excerpt);
  const error = new BadRowError(table.name, key, found.row, column, `${shown} ${problem}`).message;
  return {
    row: found.row,
    id: found.id,
    version: found.version,
    readOrder: found.read_order,
    column,
    error,
    excerpt,
  };
}

function refuseWhole(table: SourceTable, key: string, bad: readonly QuarantinedRow[]): void {
  if (bad.length <= MAX_QUARANTINED_ROWS) return;
  throw new BadObjectError(
    table.name,
    key,
    `more than ${MAX_QUARANTINED_ROWS} rows break the contract, so the whole object is refused; the first: ${bad[0]!.error}`,
  );
}

/**
 * Reads the CSV into `raw`, checks every row against the catalog in one pass, and removes
 * the rows that break it, returned with their errors for the quarantine. What makes the
 * whole object unusable (not a CSV, a row with the wrong number of fields, a header that
 * does not match the catalog, too many bad rows) throws.
 */
export async function loadRaw(
  duck: DuckSession,
  table: SourceTable,
  key: string,
  stamp: string,
  file: string,
): Promise<RawInput> {
  const header = await csvHeader(file);
  checkHeader(table, key, header);
  const columns = header.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(", ");
  let rowsIn: number;
  try {
    // CREATE TABLE … AS answers with the rows it stored: no count(*) after it.
    const [created] = await duck.rows<{ Count: string | number }>(
      `CREATE TABLE raw AS SELECT * FROM read_csv(${quoteLiteral(file)}, header = true, auto_detect = false,
         delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}})`,
    );
    rowsIn = Number(created?.Count ?? 0);
  } catch (error) {
    throw csvError(table, key, error);
  }
  // A CSV written before extracts carried their read order: every row gets its run's.
  if (!header.includes(READ_ORDER))
    await duck.run(
      `ALTER TABLE raw ADD COLUMN ${READ_ORDER} VARCHAR DEFAULT ${quoteLiteral(String(legacyReadOrder(stamp)))}`,
    );
  const checks = [...contractChecks(table), ...READ_ORDER_CHECKS];
  const found = await duck.rows<FoundRow & { failed: number; value: string | null }>(
    violationsQuery("raw", checks, {
      limit: MAX_QUARANTINED_ROWS + 1,
      excerpt: EXCERPT_CHARS,
      id: table.primaryKey,
      version: "last_updated",
      order: READ_ORDER,
    }),
  );
  const bad = found.map((v) => {
    const check = checks[v.failed]!;
    return quarantinedRow(table, key, { ...v, row: Number(v.row) }, check.column, v.value, check.problem);
  });
  refuseWhole(table, key, bad);
  await insertRows(duck, bad);
  const repeats = await repeatedVersions(
    duck,
    table,
    key,
    MAX_QUARANTINED_ROWS + 1 - bad.length,
    bad.length > 0,
  );
  bad.push(...repeats);
  refuseWhole(table, key, bad);
  await insertRows(duck, repeats);
  if (bad.length > 0) await duck.run(`DELETE FROM raw WHERE rowid + 1 IN (SELECT row FROM bad_rows)`);
  return { rowsIn, quarantined: bad.sort((a, b) => a.row - b.row) };
}

/** Adds rows to `bad_rows`, made by the first rows there are (an input with none never has it). */
async function insertRows(duck: DuckSession, rows: readonly QuarantinedRow[]): Promise<void> {
  if (rows.length > 0) await duck.run(`CREATE TABLE IF NOT EXISTS bad_rows (row BIGINT)`);
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await duck.run(
      `INSERT INTO bad_rows VALUES ${chunk.map((_, i) => `($${i + 1})`).join(", ")}`,
      chunk.map((r) => r.row),
    );
  }
}

/**
 * A row version (id, last_updated) may appear once per input: it is one fact row, and the
 * dims take one row per id. Among the rows that pass the checks, the first of a version
 * goes through and every repeat is set aside. A hash aggregate first, far cheaper than
 * numbering rows by sorting, which only an input that has repeats pays for.
 */
async function repeatedVersions(
  duck: DuckSession,
  table: SourceTable,
  key: string,
  limit: number,
  excluded: boolean,
): Promise<QuarantinedRow[]> {
  const pk = quoteIdent(table.primaryKey);
  // Usually no row is bad: then every row is good, with no anti-join to make that so.
  const good = excluded
    ? `(SELECT rowid, * FROM raw WHERE rowid + 1 NOT IN (SELECT row FROM bad_rows))`
    : `(SELECT rowid, * FROM raw)`;
  const [any] = await duck.rows<{ n: number }>(
    `SELECT 1 AS n FROM ${good} GROUP BY ${pk}, last_updated HAVING count(*) > 1 LIMIT 1`,
  );
  if (!any) return [];
  const repeats = await duck.rows<FoundRow>(
    `SELECT row, id, version, read_order FROM (
       SELECT rowid + 1 AS row, ${pk} AS id, last_updated AS version, ${READ_ORDER} AS read_order,
              row_number() OVER (PARTITION BY ${pk}, last_updated ORDER BY rowid) AS n
         FROM ${good})
      WHERE n > 1 ORDER BY row LIMIT ${limit}`,
  );
  return repeats.map((r) =>
    quarantinedRow(
      table,
      key,
      { ...r, row: Number(r.row) },
      table.primaryKey,
      r.id,
      `repeats version ${r.version} of id ${r.id}, already in an earlier row`,
    ),
  );
}
