import { open } from "node:fs/promises";
import { CURRENCY_NAMES, columnNames } from "../catalog/index.js";
import type { SourceTable } from "../catalog/index.js";
import { quoteIdent, quoteLiteral } from "../db/identifiers.js";
import { BadObjectError, BadRowError } from "../errors.js";
import type { DuckSession } from "./duckdb-session.js";
import { contractChecks, firstViolationQuery } from "./staging.js";

/*
 * Reading one ingestion CSV into DuckDB, all of it checked against the catalog before any
 * model runs: a bad input names its table, object and row, and nothing is written for it.
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
  const unknown = header.filter((c) => !expected.includes(c));
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

export async function createLookups(duck: DuckSession): Promise<void> {
  await duck.run(`CREATE TABLE currency_names (currency_code VARCHAR, currency_name VARCHAR)`);
  const codes = Object.entries(CURRENCY_NAMES);
  await duck.run(
    `INSERT INTO currency_names VALUES ${codes.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ")}`,
    codes.flat(),
  );
}

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

export async function loadRaw(
  duck: DuckSession,
  table: SourceTable,
  key: string,
  file: string,
): Promise<number> {
  const header = await csvHeader(file);
  checkHeader(table, key, header);
  const columns = header.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(", ");
  try {
    await duck.run(
      `CREATE TABLE raw AS SELECT * FROM read_csv(${quoteLiteral(file)}, header = true, auto_detect = false,
         delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}})`,
    );
  } catch (error) {
    throw csvError(table, key, error);
  }
  const checks = contractChecks(table);
  const [violation] = await duck.rows<{ row: number; failed: number; value: string | null }>(
    firstViolationQuery("raw", checks),
  );
  if (violation) {
    const check = checks[violation.failed]!;
    const shown = violation.value === null ? "NULL" : JSON.stringify(violation.value);
    throw new BadRowError(table.name, key, Number(violation.row), check.column, `${shown} ${check.problem}`);
  }
  await rejectRepeatedVersions(duck, table, key);
  return duck.count("raw");
}

/**
 * A row version (id, last_updated) may appear once per input: it is one fact row, and the
 * dims take one row per id. A hash aggregate, far cheaper than de-duplicating by sorting.
 */
async function rejectRepeatedVersions(duck: DuckSession, table: SourceTable, key: string): Promise<void> {
  const pk = quoteIdent(table.primaryKey);
  const [repeat] = await duck.rows<{ row: number; id: string; version: string }>(
    `SELECT max(rowid) + 1 AS row, ${pk} AS id, last_updated AS version FROM raw
      GROUP BY ${pk}, last_updated HAVING count(*) > 1 ORDER BY row LIMIT 1`,
  );
  if (repeat)
    throw new BadRowError(
      table.name,
      key,
      Number(repeat.row),
      table.primaryKey,
      `repeats version ${repeat.version} of id ${repeat.id}, already in an earlier row`,
    );
}
