import { TARGET_TABLES, loadedColumns } from "../../lib/catalog/index.js";
import { quoteIdent } from "../../lib/db/identifiers.js";
import type { Pool } from "../../lib/db/pool.js";

/** Every star table's rows without the warehouse's own record ids, in one order: comparable across warehouses. */
export async function starContents(warehouse: Pool): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TARGET_TABLES) {
    const columns = loadedColumns(table).map((c) => quoteIdent(c.name));
    const { rows } = await warehouse.query(
      `SELECT ${columns.join(", ")} FROM ${quoteIdent(table.name)} ORDER BY ${columns.map((_, i) => i + 1).join(", ")}`,
    );
    out[table.name] = rows;
  }
  return out;
}
