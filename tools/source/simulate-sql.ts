import type { QueryResultRow } from "pg";
import { columnNames, sourceTable, type Column, type SourceTableName } from "../../lib/catalog/index.js";
import type { PoolClient } from "../../lib/db/pool.js";
import { quoteIdent } from "../../lib/db/identifiers.js";
import { noun } from "../../lib/plural.js";
import type { Cell } from "./simulate-orders.js";

/**
 * The few SQL shapes the simulator needs, with every identifier checked against the
 * catalog before it is quoted, so a typo fails loudly instead of reaching the database.
 */

export const tableRef = (table: SourceTableName): string => quoteIdent(sourceTable(table).name);

export function columnRef(table: SourceTableName, column: string, alias?: string): string {
  if (!columnNames(sourceTable(table)).includes(column))
    throw new Error(`the catalog's ${table} has no column ${column}`);
  return alias ? `${alias}.${quoteIdent(column)}` : quoteIdent(column);
}

const primaryKey = (table: SourceTableName): string => quoteIdent(sourceTable(table).primaryKey);

/** Rows of some columns of a table, in primary-key order (so picks by index are deterministic). */
export async function selectRows<T extends QueryResultRow>(
  client: PoolClient,
  table: SourceTableName,
  columns: readonly string[],
): Promise<T[]> {
  const list = columns.map((c) => columnRef(table, c)).join(", ");
  const { rows } = await client.query<T>(
    `SELECT ${list} FROM ${tableRef(table)} ORDER BY ${primaryKey(table)}`,
  );
  return rows;
}

export async function selectIds(client: PoolClient, table: SourceTableName): Promise<number[]> {
  const key = sourceTable(table).primaryKey;
  const rows = await selectRows<Record<string, number>>(client, table, [key]);
  return rows.map((r) => Number(r[key]));
}

/** One row's new values, stamped with the simulated instant of the change. */
export async function updateRow(
  client: PoolClient,
  table: SourceTableName,
  id: number,
  changes: Readonly<Record<string, Cell>>,
  lastUpdated: string,
): Promise<void> {
  const entries = Object.entries({ ...changes, last_updated: lastUpdated });
  const sets = entries.map(([column], i) => `${columnRef(table, column)} = $${i + 1}`);
  const sql = `UPDATE ${tableRef(table)} SET ${sets.join(", ")} WHERE ${primaryKey(table)} = $${entries.length + 1}`;
  const result = await client.query(sql, [...entries.map(([, value]) => value), id]);
  if (result.rowCount !== 1) throw new Error(`${table} ${id} vanished while simulating`);
}

export async function nextId(client: PoolClient, table: SourceTableName): Promise<number> {
  const { rows } = await client.query<{ next: number }>(
    `SELECT coalesce(max(${primaryKey(table)}), 0)::int + 1 AS next FROM ${tableRef(table)}`,
  );
  return rows[0]!.next;
}

/** The simulator writes ids itself; the serial must continue after them. */
export async function resetSequence(client: PoolClient, table: SourceTableName): Promise<void> {
  await client.query(
    `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${primaryKey(table)}) FROM ${tableRef(table)}), 0) + 1, false)`,
    [tableRef(table), sourceTable(table).primaryKey],
  );
}

/**
 * Per-row foreign-key triggers cost about three quarters of a bulk COPY. A superuser may
 * switch them off for this transaction; `checkForeignKeys` then checks the new rows in
 * one set-based query per key. Returns whether they were switched off.
 */
export async function suspendForeignKeyTriggers(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ superuser: boolean }>(
    "SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user",
  );
  if (!rows[0]?.superuser) return false;
  await client.query("SET LOCAL session_replication_role = replica");
  return true;
}

/** Checks every foreign key of the rows with ids from `firstIds`, then turns the triggers back on. */
export async function checkForeignKeys(
  client: PoolClient,
  firstIds: Partial<Record<SourceTableName, number>>,
): Promise<void> {
  await client.query("SET LOCAL session_replication_role = origin");
  for (const [table, first] of Object.entries(firstIds) as [SourceTableName, number][])
    for (const column of sourceTable(table).columns as readonly Column[]) {
      const ref = column.references;
      if (!ref) continue;
      const fk = columnRef(table, column.name, "c");
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${tableRef(table)} c
          WHERE ${columnRef(table, sourceTable(table).primaryKey, "c")} >= $1 AND ${fk} IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(ref.table)} r WHERE r.${quoteIdent(ref.column)} = ${fk})`,
        [first],
      );
      const n = rows[0]!.n;
      if (n)
        throw new Error(
          `${n} new ${table} ${noun(n, "row")} ${noun(n, "has", "have")} a dangling ${column.name}`,
        );
    }
}
