import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { copyCsvField, copyCsvLine, type CopyField } from "../db/copy-csv.js";
import { quoteIdent } from "../db/identifiers.js";
import { redactUrl, type Pool, type PoolClient } from "../db/pool.js";
import { BadObjectError } from "../errors.js";
import { openParquet, type CopyValue, type ParquetRows } from "../load/parquet-rows.js";
import { STAGE } from "./apply-sql.js";
import { postgresDialect } from "./postgres-dialect.js";
import type { WarehouseSchemas } from "./schema.js";
import { TransactionalWarehouse } from "./transactional-warehouse.js";
import {
  copyColumnName,
  type CopiedRows,
  type CopyColumn,
  type ProcessedObject,
  type SqlSession,
} from "./types.js";

/** A transaction on one checked-out connection, which COPY needs. */
interface PgTransaction extends SqlSession {
  readonly client: PoolClient;
}

async function* csvChunks(chunks: AsyncIterable<readonly (readonly CopyField[])[]>): AsyncGenerator<string> {
  for await (const rows of chunks) {
    let text = "";
    for (const row of rows) text += copyCsvLine(row);
    yield text;
  }
}

/** Where each COPY field comes from: an object column (its index, quoted or not), or one text. */
type FieldSource = { readonly index: number; readonly plain: boolean } | { readonly fixed: string };

/**
 * The object's rows as COPY CSV text, one row group per chunk, each row's fields from
 * `fields`; the distinct values of the column at `observed` go into `seen`.
 */
async function* parquetCsv(
  parquet: ParquetRows,
  fields: readonly FieldSource[],
  observed: number | undefined,
  seen: Set<CopyValue>,
): AsyncGenerator<string> {
  const read = new Set(fields.flatMap((f) => ("index" in f ? [parquet.columns[f.index]!] : [])));
  if (observed !== undefined) read.add(parquet.columns[observed]!);
  for await (const group of parquet.groups([...read])) {
    const columns = fields.map((f) => ("index" in f ? group.columns[f.index]! : undefined));
    const fixed = fields.map((f) => ("fixed" in f ? copyCsvField(f.fixed) : undefined));
    const plain = fields.map((f) => "index" in f && f.plain);
    const watched = observed === undefined ? undefined : group.columns[observed]!;
    let text = "";
    for (let r = 0; r < group.rows; r++) {
      if (watched) seen.add(watched[r] ?? null);
      for (let j = 0; j < fields.length; j++) {
        if (j > 0) text += ",";
        const column = columns[j];
        if (!column) {
          text += fixed[j]!;
          continue;
        }
        const value = column[r] ?? null;
        if (value !== null) text += plain[j] ? value : copyCsvField(value);
      }
      text += "\n";
    }
    yield text;
  }
}

/**
 * PostgreSQL: an object's rows are decoded here and streamed with `COPY … FROM STDIN`, one
 * row group in memory at a time, while Postgres takes the previous one.
 */
export class PostgresWarehouse extends TransactionalWarehouse<PgTransaction> {
  protected readonly dialect = postgresDialect;

  constructor(
    private readonly pool: Pool,
    options: { url?: string; schemas?: WarehouseSchemas } = {},
  ) {
    super(options.url ? redactUrl(options.url) : "postgres warehouse", options.schemas);
  }

  protected session(): SqlSession {
    return {
      query: async (sql, params) => {
        const result = await this.pool.query(sql, params as unknown[] | undefined);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      },
    };
  }

  protected async transaction<T>(work: (tx: PgTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work({
        client,
        query: async (sql, params) => {
          const r = await client.query(sql, params as unknown[] | undefined);
          return { rows: r.rows, rowCount: r.rowCount ?? 0 };
        },
      });
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // A connection that failed mid-transaction is not handed to the next load.
      broken = true;
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async copy(
    tx: PgTransaction,
    into: string,
    columns: readonly string[],
    text: AsyncIterable<string>,
  ) {
    const sql = `COPY ${into} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FORMAT csv)`;
    // One chunk (row group) waiting at a time: memory follows the row group, not the object.
    await pipeline(Readable.from(text, { highWaterMark: 1 }), tx.client.query(copyFrom(sql)));
  }

  protected async copyObject(
    tx: PgTransaction,
    object: ProcessedObject,
    into: string,
    columns: readonly CopyColumn[],
    observe?: string,
  ): Promise<CopiedRows> {
    let parquet: ParquetRows;
    try {
      parquet = openParquet(await object.read());
    } catch (error) {
      throw new BadObjectError(
        object.table.name,
        object.key,
        `not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const source = (c: CopyColumn) => (typeof c === "string" ? c : "from" in c ? c.from : undefined);
    const needed = [...columns.map(source), observe].filter((c): c is string => c !== undefined);
    const missing = needed.filter((c) => !parquet.columns.includes(c));
    if (missing.length)
      throw new BadObjectError(
        object.table.name,
        object.key,
        `Parquet lacks columns ${missing.join(", ")}` +
          // Written before read orders (lib/pipeline/read-order.ts): its rows carry no commit order.
          (parquet.columns.some((c) => c === "_extracted_at" || c === "_version_hi_extracted_at")
            ? `; it was written by a version of the pipeline before read orders: read its source tables again with \`totes backfill --table ${object.table.sources.join(" --table ")}\``
            : ""),
      );
    const seen = new Set<CopyValue>();
    const fields = columns.map((c): FieldSource => {
      if (typeof c !== "string" && "fixed" in c) return { fixed: c.fixed };
      const index = parquet.columns.indexOf(source(c)!);
      return { index, plain: parquet.plain[index] === true };
    });
    const observed = observe === undefined ? undefined : parquet.columns.indexOf(observe);
    await this.copy(tx, into, columns.map(copyColumnName), parquetCsv(parquet, fields, observed, seen));
    return { rows: parquet.rowCount, observed: seen };
  }

  protected async stageRows(
    tx: PgTransaction,
    columns: readonly string[],
    rows: readonly (readonly CopyField[])[],
  ) {
    await this.copy(
      tx,
      quoteIdent(STAGE),
      columns,
      csvChunks(
        (async function* () {
          yield rows;
        })(),
      ),
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const byPool = new WeakMap<Pool, PostgresWarehouse>();

/** The warehouse over a pool, one per pool, so its schema check runs once per process. */
export function postgresWarehouse(pool: Pool, url?: string): PostgresWarehouse {
  let warehouse = byPool.get(pool);
  if (!warehouse) {
    warehouse = new PostgresWarehouse(pool, url ? { url } : {});
    byPool.set(pool, warehouse);
  }
  return warehouse;
}
