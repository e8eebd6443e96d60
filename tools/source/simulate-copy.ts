import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { performance } from "node:perf_hooks";
import { from as copyFrom } from "pg-copy-streams";
import { columnNames, sourceTable, type SourceTableName } from "../../lib/catalog/index.js";
import type { PoolClient } from "../../lib/db/pool.js";
import { copyCsvLine } from "../../lib/db/copy-csv.js";
import { quoteIdent } from "../../lib/db/identifiers.js";
import type { Row } from "./simulate-orders.js";

export interface CopyProgress {
  table: SourceTableName;
  /** Rows of this table sent so far in this COPY. */
  rows: number;
  rowsPerSecond: number;
}

const CHUNK_ROWS = 20_000;

/** A row as a CSV line, columns in catalog order; a missing or unknown column is a bug here. */
function csvLine(table: SourceTableName, columns: readonly string[], row: Row): string {
  if (Object.keys(row).length !== columns.length)
    throw new Error(
      `simulated ${table} row has [${Object.keys(row).join(", ")}], the catalog [${columns.join(", ")}]`,
    );
  const fields = columns.map((column) => {
    const value = row[column];
    if (value === undefined) throw new Error(`simulated ${table} row lacks ${column}`);
    return value;
  });
  return copyCsvLine(fields);
}

/** CSV text in chunks, so a large run never holds more than one chunk in memory. */
function* csvChunks(
  table: SourceTableName,
  columns: readonly string[],
  rows: Iterable<Row>,
  onChunk: (rows: number) => void,
): Generator<string> {
  let chunk: string[] = [];
  let sent = 0;
  for (const row of rows) {
    chunk.push(csvLine(table, columns, row));
    if (chunk.length < CHUNK_ROWS) continue;
    yield chunk.join("");
    sent += chunk.length;
    chunk = [];
    onChunk(sent);
  }
  if (chunk.length) {
    yield chunk.join("");
    sent += chunk.length;
  }
  onChunk(sent);
}

/**
 * Streams rows into a source table with COPY FROM STDIN; the column list comes from the
 * catalog. Nulls go out as empty unquoted fields, which CSV COPY reads as NULL. Returns
 * the number of rows written.
 */
export async function copyRows(
  client: PoolClient,
  table: SourceTableName,
  rows: Iterable<Row>,
  onProgress?: (progress: CopyProgress) => void,
): Promise<number> {
  const columns = columnNames(sourceTable(table));
  const started = performance.now();
  let written = 0;
  const onChunk = (sent: number) => {
    written = sent;
    const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
    onProgress?.({ table, rows: sent, rowsPerSecond: Math.round(sent / seconds) });
  };
  const sql = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FORMAT csv)`;
  await pipeline(Readable.from(csvChunks(table, columns, rows, onChunk)), client.query(copyFrom(sql)));
  return written;
}
