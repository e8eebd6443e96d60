import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { BinaryRows, binaryCopyHeader, binaryCopyTrailer, binaryTypeOf } from "../db/copy-binary.js";
import { copyCsvLine, type CopyField } from "../db/copy-csv.js";
import { quoteIdent } from "../db/identifiers.js";
import { redactUrl, type Pool, type PoolClient } from "../db/pool.js";
import { BadObjectError } from "../errors.js";
import { openParquet, type ParquetRows } from "../load/parquet-rows.js";
import type { ColumnWatch } from "./column-watch.js";
import { STAGE } from "./apply-sql.js";
import { describeElement, fieldWriter } from "./postgres-copy-fields.js";
import { postgresDialect } from "./postgres-dialect.js";
import type { WarehouseSchemas } from "./schema.js";
import { TransactionalWarehouse } from "./transactional-warehouse.js";
import {
  copyColumnName,
  type CopiedRows,
  type CopyColumn,
  type CopyOptions,
  type ProcessedObject,
  type SqlSession,
} from "./types.js";

/** A primary or unique key of a table: its name and `pg_get_constraintdef`'s definition. */
interface TableKey {
  readonly name: string;
  readonly definition: string;
}

/**
 * From this many rows a copy into an empty table builds the keys after the rows (`dropKeys`):
 * below it, the DDL and the exclusive lock cost more than the index entries they save.
 */
export const KEYS_AFTER_MIN_ROWS = 10_000;

const KEYS_SAVEPOINT = "totes_keys_after";

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

/**
 * Where each COPY field comes from and how it is written: an object column (`index`), each
 * non-NULL value through `write`; or no column (`index` -1), `write` making the value from the
 * row's number in the object. One shape for every field: this is the load's innermost loop.
 */
interface FieldSource {
  readonly index: number;
  readonly write: (out: BinaryRows, value: unknown, row: number) => void;
}

const NO_COLUMN: ArrayLike<unknown> = [];

/**
 * The object's rows as binary COPY data, one row group per chunk, each row's fields from
 * `fields`; each watch sees every value of its column (at `watched`, the same order).
 */
async function* parquetBinary(
  parquet: ParquetRows,
  fields: readonly FieldSource[],
  watches: readonly ColumnWatch[],
  watched: readonly number[],
): AsyncGenerator<Buffer> {
  const read = new Set(fields.flatMap((f) => (f.index >= 0 ? [parquet.columns[f.index]!] : [])));
  for (const c of watched) read.add(parquet.columns[c]!);
  const out = new BinaryRows();
  yield binaryCopyHeader();
  let row = 0;
  for await (const group of parquet.rawGroups([...read])) {
    const columns = fields.map((f) => (f.index >= 0 ? group.columns[f.index]! : NO_COLUMN));
    for (let w = 0; w < watches.length; w++) {
      const watch = watches[w]!;
      const values = group.columns[watched[w]!]!;
      for (let r = 0; r < group.rows; r++) watch.see(values[r]);
    }
    for (let r = 0; r < group.rows; r++) {
      out.row(fields.length);
      for (let j = 0; j < fields.length; j++) {
        const field = fields[j]!;
        if (field.index < 0) {
          field.write(out, undefined, row + r);
          continue;
        }
        const value = columns[j]![r];
        if (value === null || value === undefined) out.null();
        else field.write(out, value, row + r);
      }
    }
    row += group.rows;
    yield out.take();
  }
  yield binaryCopyTrailer();
}

/**
 * PostgreSQL: an object's rows are decoded here and streamed with binary `COPY … FROM STDIN`
 * (each value in its column type's binary form, so the server parses no text), one row group in
 * memory at a time, while Postgres takes the previous one.
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
    data: AsyncIterable<string | Buffer>,
    format: "csv" | "binary",
    where?: string,
  ) {
    const sql = `COPY ${into} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FORMAT ${format})${where ? ` WHERE ${where}` : ""}`;
    // One chunk (row group) waiting at a time: memory follows the row group, not the object.
    await pipeline(Readable.from(data, { highWaterMark: 1 }), tx.client.query(copyFrom(sql)));
  }

  /** The type of each of `relation`'s columns, by name (what binary COPY must write). */
  private async columnTypes(tx: PgTransaction, relation: string): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ name: string; oid: number }>(
      `SELECT attname AS name, atttypid::int AS oid FROM pg_attribute
        WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [relation],
    );
    return new Map(rows.map((r) => [r.name, r.oid]));
  }

  protected async copyObject(
    tx: PgTransaction,
    object: ProcessedObject,
    into: string,
    columns: readonly CopyColumn[],
    options: CopyOptions = {},
  ): Promise<CopiedRows> {
    const watches = options.watches ?? [];
    let parquet: ParquetRows;
    try {
      parquet = await openParquet(object.open());
    } catch (error) {
      throw new BadObjectError(
        object.table.name,
        object.key,
        `not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const source = (c: CopyColumn) => (typeof c === "string" ? c : "from" in c ? c.from : undefined);
    const needed = [...columns.map(source), ...watches.map((w) => w.column)].filter(
      (c): c is string => c !== undefined,
    );
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
    const types = await this.columnTypes(tx, into);
    const fields = columns.map((c): FieldSource => {
      const name = copyColumnName(c);
      const oid = types.get(name);
      const type = oid === undefined ? undefined : binaryTypeOf(oid);
      // The columns are the catalog's: one the warehouse lacks or types otherwise is a bug here.
      if (!type)
        throw new Error(`${into}.${name}: no binary COPY encoding for its type (OID ${oid ?? "none"})`);
      if (typeof c !== "string" && "fixed" in c) {
        if (type !== "text") throw new Error(`${into}.${name}: a fixed value must be text`);
        const fixed = Buffer.from(c.fixed, "utf8");
        return { index: -1, write: (out) => out.bytes(fixed) };
      }
      if (typeof c !== "string" && "counting" in c) {
        const from = c.counting;
        if (type === "int4") return { index: -1, write: (out, _, row) => out.int4(from + row) };
        if (type === "int8") return { index: -1, write: (out, _, row) => out.int8(BigInt(from + row)) };
        throw new Error(`${into}.${name}: a counted value must be an integer column`);
      }
      const index = parquet.columns.indexOf(source(c)!);
      const element = parquet.elements[index]!;
      const write = fieldWriter(element, type);
      if (!write)
        throw new BadObjectError(
          object.table.name,
          object.key,
          `column ${element.name} is Parquet ${describeElement(element)}, which does not load into ${name} (${type})`,
        );
      return { index, write };
    });
    // A watch that needs only a column's one value takes it from the footer, if it says so: the
    // column (a read order) is then not decoded at all.
    const rowWatches = watches.filter((w) => {
      const value = w.seeEvery ? parquet.constant(w.column) : undefined;
      if (value === undefined) return true;
      w.seeEvery!(value);
      return false;
    });
    const watched = rowWatches.map((w) => parquet.columns.indexOf(w.column));
    const keys =
      options.intoEmpty && parquet.rowCount >= KEYS_AFTER_MIN_ROWS ? await this.dropKeys(tx, into) : [];
    await this.copy(
      tx,
      into,
      columns.map(copyColumnName),
      parquetBinary(parquet, fields, rowWatches, watched),
      "binary",
      options.where,
    );
    // A duplicate fails here as it would have during the copy (SQLSTATE 23505).
    if (keys.length)
      await tx.query(
        keys
          .map((k) => `ALTER TABLE ${into} ADD CONSTRAINT ${quoteIdent(k.name)} ${k.definition}`)
          .join(";\n"),
      );
    return { rows: parquet.rowCount };
  }

  /**
   * Before a large copy into an empty table: drops its primary and unique keys, answering them
   * so they are added back after the rows, in one sorted build each instead of an index entry
   * (and its WAL record) per row, most of such a copy's time, as pg_restore does. Only for the
   * table's owner, and only if no one else holds the table right now (an exclusive lock taken
   * without waiting; it holds until the commit); otherwise, or if anything depends on a key,
   * nothing is dropped and the keys are kept up row by row.
   */
  private async dropKeys(tx: PgTransaction, table: string): Promise<TableKey[]> {
    const { rows: keys } = await tx.query<TableKey>(
      `SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS definition
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u') AND pg_has_role(t.relowner, 'USAGE')
        ORDER BY c.contype, c.conname`,
      [table],
    );
    if (!keys.length) return [];
    await tx.query(`SAVEPOINT ${KEYS_SAVEPOINT}`);
    try {
      await tx.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE NOWAIT`);
      for (const k of keys) await tx.query(`ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(k.name)}`);
    } catch {
      await tx.query(`ROLLBACK TO SAVEPOINT ${KEYS_SAVEPOINT}`);
      return [];
    }
    await tx.query(`RELEASE SAVEPOINT ${KEYS_SAVEPOINT}`);
    return keys;
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
      "csv",
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
