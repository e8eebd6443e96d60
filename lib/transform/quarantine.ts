import { createHash } from "node:crypto";
import type { SourceTable } from "../catalog/index.js";
import { quoteIdent } from "../db/identifiers.js";
import { parseIngestionKey } from "../pipeline/keys.js";
import { READ_ORDER, legacyReadOrder } from "../pipeline/read-order.js";
import type { Buckets } from "../pipeline/location.js";
import {
  quarantineEntries,
  readQuarantineState,
  recordQuarantine,
  recordResolution,
  type QuarantinedRow,
  type ResolutionRecord,
} from "../pipeline/quarantine.js";
import { UnrecognisedKeyError } from "../errors.js";
import type { DuckSession } from "./duckdb-session.js";

/** Tags the outputs of an input some of whose rows were left out: a digest of which ones. */
export const partialTag = (rows: readonly QuarantinedRow[]): string | undefined =>
  rows.length === 0
    ? undefined
    : createHash("sha256")
        .update(rows.map((r) => r.row).join(","))
        .digest("hex")
        .slice(0, 8);

/**
 * When a quarantined row was read: its own read order, else (a record from before read
 * orders, or a row whose read order cell was the bad one) its object's run.
 */
function quarantinedReadOrder(row: Pick<QuarantinedRow, "readOrder"> & { objectKey: string }): bigint {
  if (row.readOrder != null && /^-?\d{1,19}$/.test(row.readOrder)) return BigInt(row.readOrder);
  const input = parseIngestionKey(row.objectKey);
  if (!input) throw new UnrecognisedKeyError(row.objectKey, "ingestion");
  return legacyReadOrder(input.stamp);
}

/**
 * The transform's side of the quarantine for one input: `record` (before any output is
 * written, so a partial output never exists without the record of what it left out) and
 * `settle` (after the outputs are stored: newer versions in this input settle rows other
 * inputs quarantined).
 */
export class InputQuarantine {
  private constructor(
    private readonly buckets: Buckets,
    private readonly table: SourceTable,
    private readonly objectKey: string,
    private readonly state: Awaited<ReturnType<typeof readQuarantineState>>,
  ) {}

  /** One listing of the table's quarantine (nothing more when it has none). */
  static async open(buckets: Buckets, table: SourceTable, objectKey: string): Promise<InputQuarantine> {
    const state = await readQuarantineState(buckets.store, buckets.ingestionBucket, table.name);
    return new InputQuarantine(buckets, table, objectKey, state);
  }

  /**
   * Records the input's bad rows, less those whose version another input already holds in
   * quarantine, unsettled: capture may read a row version twice (docs/change-capture.md), and
   * one bad version is one entry. Those rows are still left out of the outputs. Returns the
   * rows recorded.
   */
  async record(rowsIn: number, rows: readonly QuarantinedRow[]): Promise<readonly QuarantinedRow[]> {
    // The same bad cell of the same row version: what a re-read carries again.
    const versionOf = (r: QuarantinedRow) =>
      r.id !== null && r.version !== null ? `${r.id}\n${r.version}\n${r.column}\n${r.excerpt}` : undefined;
    const held = new Set(
      quarantineEntries(this.state)
        .filter((e) => !e.resolved && e.objectKey !== this.objectKey)
        .map(versionOf)
        .filter((v): v is string => v !== undefined),
    );
    const fresh = rows.filter((r) => {
      const version = versionOf(r);
      return version === undefined || !held.has(version);
    });
    await recordQuarantine(this.buckets.store, this.buckets.ingestionBucket, {
      table: this.table.name,
      objectKey: this.objectKey,
      rowsIn,
      rows: fresh,
      previous: this.state.records.find((r) => r.objectKey === this.objectKey),
    });
    return fresh;
  }

  /**
   * Rows other inputs quarantined, unsettled, whose id this input carries in a row that passed
   * and was read later (a greater read order, read-order.ts: commit order, whatever its
   * `last_updated`): the source has since written that row again, or fixed it in place, and
   * the later read is the truth. Each is settled by a resolution this input owns. `raw` holds
   * only the rows that passed. Returns how many it settled.
   */
  async settle(duck: DuckSession): Promise<number> {
    const open = quarantineEntries(this.state).filter(
      (e) => !e.resolved && e.id !== null && e.objectKey !== this.objectKey,
    );
    if (open.length === 0) return 0;
    await duck.run(`CREATE TABLE open_rows (object_key VARCHAR, row BIGINT, id VARCHAR, read_order BIGINT)`);
    for (let start = 0; start < open.length; start += 200) {
      const chunk = open.slice(start, start + 200);
      await duck.run(
        `INSERT INTO open_rows VALUES ${chunk.map((_, i) => `(${[1, 2, 3, 4].map((c) => `$${i * 4 + c}`).join(", ")})`).join(", ")}`,
        chunk.flatMap((e) => [e.objectKey, e.row, e.id, String(quarantinedReadOrder(e))]),
      );
    }
    const pk = quoteIdent(this.table.primaryKey);
    const settled = await duck.rows<{ object_key: string; row: number; new_version: string }>(
      `SELECT o.object_key, o.row, max(r.last_updated) AS new_version
         FROM open_rows o JOIN raw r ON TRY_CAST(r.${pk} AS BIGINT) = TRY_CAST(o.id AS BIGINT)
        WHERE CAST(r.${READ_ORDER} AS BIGINT) > o.read_order
        GROUP BY o.object_key, o.row ORDER BY o.object_key, o.row`,
    );
    if (settled.length === 0) return 0;
    const resolution: ResolutionRecord = {
      table: this.table.name,
      at: new Date().toISOString(),
      by: { kind: "newer-version", objectKey: this.objectKey },
      rows: settled.map((s) => ({ objectKey: s.object_key, row: Number(s.row), newVersion: s.new_version })),
    };
    await recordResolution(this.buckets.store, this.buckets.ingestionBucket, this.objectKey, resolution);
    return settled.length;
  }
}
