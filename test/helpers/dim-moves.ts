import type { Pool } from "../../lib/db/pool.js";
import { extract } from "../../lib/extract/extract.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { transformObject } from "../../lib/transform/transform.js";

/**
 * Children moving to other parents while parents change, both ways round: staff 1 to department
 * 8 while department 2 is renamed, staff 3 into department 2 after its rename, department 8 moved
 * before staff 1 joins it; the same shapes for counterparties and addresses. The stamps put some
 * parent changes before the child's move and some after, so neither table's order is the truth.
 */
export const MOVES_AND_RENAMES = `
  UPDATE staff SET department_id = 8, last_updated = '2024-11-20 10:00' WHERE staff_id = 1;
  UPDATE staff SET department_id = 2, last_updated = '2024-11-20 12:00' WHERE staff_id = 3;
  UPDATE department SET department_name = 'Purchasing (renamed)', last_updated = '2024-11-20 11:00' WHERE department_id = 2;
  UPDATE department SET location = 'Hull', last_updated = '2024-11-20 09:00' WHERE department_id = 8;
  UPDATE counterparty SET legal_address_id = 28, last_updated = '2024-11-20 10:00' WHERE counterparty_id = 1;
  UPDATE address SET phone = '0000 renamed', last_updated = '2024-11-20 11:00' WHERE address_id = 15;
  UPDATE address SET city = 'Hull', last_updated = '2024-11-20 09:00' WHERE address_id = 28;`;

/** An order the two runs' objects travel in: which CSVs the transform takes first, and whether the Parquet loads reversed. */
export type MoveOrder = readonly [label: string, tables: readonly string[], reverseLoads: boolean];

/** Parents or children transformed first, their Parquet loaded in that order or reversed. */
export const MOVE_ORDERS: readonly MoveOrder[] = [
  ["parents first, Parquet in order", ["department", "address", "staff", "counterparty"], false],
  ["children first, Parquet in order", ["staff", "counterparty", "department", "address"], false],
  ["parents first, Parquet reversed", ["department", "address", "staff", "counterparty"], true],
  ["children first, Parquet reversed", ["staff", "counterparty", "department", "address"], true],
];

/** Extracts what changed, transforms the CSVs of `tables` in that order: the Parquet keys in the order to load them. */
export async function movedObjects(
  buckets: Buckets,
  source: Pool,
  [, tables, reverseLoads]: MoveOrder,
): Promise<string[]> {
  const extracted = await extract({ source, store: buckets.store, bucket: buckets.ingestionBucket });
  return transformInOrder(
    buckets,
    new Map(extracted.tables.filter((t) => t.objectKey).map((t) => [t.table, t.objectKey!])),
    tables,
    reverseLoads,
  );
}

/** Transforms the CSV of each of `tables` (from `csv`, table → key) in order; the Parquet keys, reversed if asked. */
export async function transformInOrder(
  buckets: Buckets,
  csv: ReadonlyMap<string, string>,
  tables: readonly string[],
  reverseLoads: boolean,
): Promise<string[]> {
  const parquet: string[] = [];
  for (const table of tables) {
    const result = await transformObject(buckets, csv.get(table)!);
    parquet.push(...result.outputs.map((o) => o.objectKey));
  }
  return reverseLoads ? parquet.reverse() : parquet;
}
