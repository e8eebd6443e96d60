import { createReadStream, existsSync, readdirSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { SOURCE_TABLES, columnNames } from "../../lib/catalog/index.js";
import type { Pool, PoolClient } from "../../lib/db/pool.js";
import { withTransaction } from "../../lib/db/pool.js";
import { quoteIdent } from "../../lib/db/identifiers.js";
import { sourceSchemaDdl } from "./schema.js";

const here = path.dirname(fileURLToPath(import.meta.url));
// tools/source, or dist/tools/source once built: the samples stay in the source tree.
export const SAMPLES_DIR = path.join(
  here.split(path.sep).includes("dist") ? path.resolve(here, "../../../tools/source") : here,
  "samples",
);
export const DEFAULT_SAMPLE = "2024-11-15";

export const listSamples = (): string[] =>
  readdirSync(SAMPLES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

export interface SourceCounts {
  salesOrders: number;
  purchaseOrders: number;
  payments: number;
}

export interface InitResult {
  /** False when the schema was already there and nothing was changed. */
  created: boolean;
  counts: SourceCounts;
}

async function firstLine(file: string): Promise<string> {
  const handle = await open(file);
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8").split(/\r?\n/)[0] ?? "";
  } finally {
    await handle.close();
  }
}

/** Loads one sample CSV with COPY, using its header to name the columns it holds. */
async function copySampleTable(client: PoolClient, table: (typeof SOURCE_TABLES)[number], file: string) {
  const header = (await firstLine(file)).split(",");
  const expected = columnNames(table);
  const missing = expected.filter((c) => !header.includes(c));
  const unknown = header.filter((c) => !expected.includes(c));
  if (missing.length || unknown.length)
    throw new Error(
      `sample ${file} does not match the catalog's ${table.name}: missing [${missing.join(", ")}], unknown [${unknown.join(", ")}]`,
    );
  const columns = header.map(quoteIdent).join(", ");
  const sql = `COPY ${quoteIdent(table.name)} (${columns}) FROM STDIN WITH (FORMAT csv, HEADER true)`;
  await pipeline(createReadStream(file), client.query(copyFrom(sql)));
  // Ids came from the sample; new rows must continue after them.
  await client.query(
    `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quoteIdent(table.primaryKey)}) FROM ${quoteIdent(table.name)}), 0) + 1, false)`,
    [quoteIdent(table.name), table.primaryKey],
  );
}

export async function sourceCounts(pool: Pool): Promise<SourceCounts> {
  const { rows } = await pool.query<{ s: number; p: number; y: number }>(
    `SELECT (SELECT count(*) FROM sales_order)::int AS s, (SELECT count(*) FROM purchase_order)::int AS p,
            (SELECT count(*) FROM payment)::int AS y`,
  );
  const row = rows[0]!;
  return { salesOrders: row.s, purchaseOrders: row.p, payments: row.y };
}

export async function sourceExists(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ t: string | null }>("SELECT to_regclass('sales_order')::text AS t");
  return rows[0]?.t != null;
}

/**
 * Creates the totesys schema and loads a shipped sample into it, all in one transaction.
 * An existing schema is left untouched unless `reset` is set.
 */
export async function initSource(
  pool: Pool,
  options: { sample?: string; reset?: boolean } = {},
): Promise<InitResult> {
  const sample = options.sample ?? DEFAULT_SAMPLE;
  const sampleDir = path.join(SAMPLES_DIR, sample);
  if (sample !== "none" && !existsSync(sampleDir))
    throw new Error(`unknown sample "${sample}" (shipped: ${listSamples().join(", ")}, or none)`);
  if ((await sourceExists(pool)) && !options.reset)
    return { created: false, counts: await sourceCounts(pool) };

  await withTransaction(pool, async (client) => {
    if (options.reset) {
      for (const table of [...SOURCE_TABLES].reverse())
        await client.query(`DROP TABLE IF EXISTS ${quoteIdent(table.name)} CASCADE`);
      await client.query(`DROP TYPE IF EXISTS "PaymentTypeName", "TransactionType"`);
    }
    for (const statement of sourceSchemaDdl()) await client.query(statement);
    if (sample === "none") return;
    for (const table of SOURCE_TABLES)
      await copySampleTable(client, table, path.join(sampleDir, `${table.name}.csv`));
  });
  return { created: true, counts: await sourceCounts(pool) };
}
