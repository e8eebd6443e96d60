import { loadedColumns, type TargetTable } from "../catalog/index.js";
import { qualified, quoteIdent } from "../db/identifiers.js";
import type { WarehouseSchemas } from "../warehouse/schema.js";
import { currentVersionsSql } from "../warehouse/views.js";
import type { SqlSession } from "../warehouse/warehouse.js";
import type { VerifyDialect } from "./dialect.js";
import { expectedRowsSql } from "./expected.js";

/**
 * One side of a comparison: a database, the rows of one table as that side holds them
 * (the table's loaded columns, its natural key among them) and how to find the key's bounds
 * cheaply. Every query verify sends is built here, from those.
 */
export class Side {
  /** Bytes of result rows this side sent (their JSON length): what verify moved. */
  bytes = 0;
  queries = 0;

  constructor(
    readonly name: "source" | "warehouse",
    private readonly db: SqlSession,
    private readonly table: TargetTable,
    private readonly rowsSql: string,
    private readonly boundsFrom: string,
    private readonly dialect: VerifyDialect,
  ) {}

  private get key(): string {
    return quoteIdent(this.table.naturalKey);
  }

  private get hashed(): string {
    const columns = loadedColumns(this.table).map((c) => ({ expr: `r.${quoteIdent(c.name)}`, type: c.type }));
    return `SELECT r.${this.key} AS id, ${this.dialect.rowHash(this.dialect.rowText(columns))} AS h FROM (${this.rowsSql}) r`;
  }

  private async query<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.queries++;
    const { rows } = await this.db.query<R>(sql, params);
    this.bytes += JSON.stringify(rows).length;
    return rows;
  }

  async bounds(): Promise<{ lo: number; hi: number } | undefined> {
    const [row] = await this.query<{ lo: number | null; hi: number | null }>(
      `SELECT min(${this.key}) AS lo, max(${this.key}) AS hi FROM ${this.boundsFrom}`,
    );
    return row?.lo == null || row.hi == null ? undefined : { lo: Number(row.lo), hi: Number(row.hi) };
  }

  /** Count and hash of each segment of `width` ids from `lo` to `hi` (segments with no row are absent). */
  async segments(lo: number, hi: number, width: number): Promise<Map<number, { n: number; h: string }>> {
    const rows = await this.query<{ seg: number; n: number; h: string }>(
      `SELECT CAST((x.id - CAST($1 AS bigint)) / CAST($3 AS bigint) AS integer) AS seg, CAST(count(*) AS integer) AS n,
              ${this.dialect.hashSum("x.h")} AS h
         FROM (${this.hashed}) x WHERE x.id BETWEEN $1 AND $2 GROUP BY 1`,
      [lo, hi, width],
    );
    return new Map(rows.map((r) => [Number(r.seg), { n: Number(r.n), h: r.h }]));
  }

  /** Each id's row hash from `lo` to `hi`. */
  async rowHashes(lo: number, hi: number): Promise<Map<number, string>> {
    const rows = await this.query<{ id: number; h: string }>(
      `SELECT x.id, ${this.dialect.hashText("x.h")} AS h FROM (${this.hashed}) x WHERE x.id BETWEEN $1 AND $2`,
      [lo, hi],
    );
    return new Map(rows.map((r) => [Number(r.id), r.h]));
  }

  /** The first `limit` ids from `lo` to `hi`. */
  async ids(lo: number, hi: number, limit: number): Promise<number[]> {
    const rows = await this.query<{ id: number }>(
      `SELECT r.${this.key} AS id FROM (${this.rowsSql}) r WHERE r.${this.key} BETWEEN $1 AND $2 ORDER BY 1 LIMIT ${Math.max(0, Math.floor(limit))}`,
      [lo, hi],
    );
    return rows.map((r) => Number(r.id));
  }

  /** The rows of these ids, every column rendered as the hash renders it. */
  async renderedRows(ids: readonly number[]): Promise<Map<number, Record<string, string | null>>> {
    if (!ids.length) return new Map();
    const columns = loadedColumns(this.table).map(
      (c) => `${this.dialect.render(`r.${quoteIdent(c.name)}`, c.type)} AS ${quoteIdent(c.name)}`,
    );
    const rows = await this.query<Record<string, string | null>>(
      `SELECT r.${this.key} AS _id, ${columns.join(", ")} FROM (${this.rowsSql}) r
        WHERE r.${this.key} IN (${ids.map((_, i) => `$${i + 1}`).join(", ")})`,
      ids,
    );
    return new Map(rows.map(({ _id, ...row }) => [Number(_id), row]));
  }
}

/** The source side of a table: its rows as the transform would build them from the whole source. */
export const sourceSide = (
  db: SqlSession,
  table: TargetTable,
  sourceSchema: string,
  dialect: VerifyDialect,
): Side => {
  const rows = expectedRowsSql(table, sourceSchema);
  return new Side("source", db, table, rows, `(${rows}) b`, dialect);
};

/**
 * The warehouse side: a dim's table; a fact's current versions, record id left out: the rows
 * its `_current` view shows (the version read last of each natural id), by the view's own
 * query, so verify checks what analysts read even where the view itself is not applied yet.
 * A fact's key bounds come from the table, whose index answers them at once.
 */
export function warehouseSide(
  db: SqlSession,
  table: TargetTable,
  schemas: WarehouseSchemas,
  dialect: VerifyDialect,
): Side {
  const columns = loadedColumns(table)
    .map((c) => `r.${quoteIdent(c.name)}`)
    .join(", ");
  const from = qualified(schemas.stars, table.name);
  const rows =
    table.kind === "fact"
      ? `SELECT ${columns} FROM (${currentVersionsSql(schemas, table)}) r`
      : `SELECT ${columns} FROM ${from} r`;
  return new Side("warehouse", db, table, rows, from, dialect);
}
