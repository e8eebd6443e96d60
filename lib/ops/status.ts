import { SOURCE_TABLES, TARGET_TABLES } from "../catalog/index.js";
import { qualified } from "../db/identifiers.js";
import type { Pool } from "../db/pool.js";
import { readExtractState, type ExtractState } from "../extract/state.js";
import { DEFAULT_SCHEMAS } from "../warehouse/schema.js";
import { queueDepth, type QueueDepth } from "./queue-scan.js";
import type { OpsTarget } from "./stage-resources.js";

export interface SourceTableStatus {
  readonly table: string;
  /** Undefined: never extracted. */
  readonly highMark?: string;
  readonly lastExtractedAt?: string;
  readonly lastRows?: number;
  readonly lastObjectKey?: string;
}

export interface WarehouseStatus {
  /** Redacted. */
  readonly url: string;
  /** Null when the table does not exist yet. */
  readonly tables: readonly { readonly table: string; readonly rows: number | null }[];
  readonly objectsLoaded: number;
  /** ISO 8601 UTC, e.g. 2026-12-01T08:47:17.123Z. */
  readonly lastLoadedAt?: string;
}

export interface PipelineStatus {
  readonly target: string;
  readonly tables: readonly SourceTableStatus[];
  readonly lastRun?: ExtractState["lastRun"];
  readonly queues: Readonly<Record<"transform" | "transformDlq" | "load" | "loadDlq", QueueDepth>>;
  /** Absent when no warehouse was given; `error` when it could not be read. */
  readonly warehouse?: WarehouseStatus | { readonly url: string; readonly error: string };
}

export async function warehouseStatus(pool: Pool, redactedUrl: string): Promise<WarehouseStatus> {
  const tables: { table: string; rows: number | null }[] = [];
  for (const t of TARGET_TABLES) {
    const name = qualified(DEFAULT_SCHEMAS.stars, t.name);
    const { rows } = await pool.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [
      name,
    ]);
    const count = rows[0]?.present
      ? Number((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0]?.n ?? 0)
      : null;
    tables.push({ table: t.name, rows: count });
  }
  const ledger = qualified(DEFAULT_SCHEMAS.meta, "loaded_object");
  const { rows } = await pool.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [
    ledger,
  ]);
  let objectsLoaded = 0;
  let lastLoadedAt: string | undefined;
  if (rows[0]?.present) {
    const { rows: l } = await pool.query<{ n: number; last: string | null }>(
      // ISO 8601 UTC like every other time in a status, not the session's time zone.
      `SELECT count(*)::int AS n,
              to_char(max(loaded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last
         FROM ${ledger}`,
    );
    objectsLoaded = l[0]?.n ?? 0;
    lastLoadedAt = l[0]?.last ?? undefined;
  }
  return { url: redactedUrl, tables, objectsLoaded, lastLoadedAt };
}

/**
 * What an operator checks first: how far each source table has been extracted, what is
 * waiting or dead in the queues, and what the warehouse holds. Reads only.
 */
export async function gatherStatus(
  target: OpsTarget,
  warehouse?: { pool: Pool; redactedUrl: string },
): Promise<PipelineStatus> {
  const r = target.resources;
  const { state } = await readExtractState(target.store, r.ingestionBucket);
  const tables = SOURCE_TABLES.map((t): SourceTableStatus => {
    const mark = state.tables[t.name];
    return mark
      ? {
          table: t.name,
          highMark: mark.highMark,
          lastExtractedAt: mark.lastExtractedAt,
          lastRows: mark.lastRows,
          lastObjectKey: mark.lastObjectKey,
        }
      : { table: t.name };
  });
  const [transform, transformDlq, load, loadDlq] = await Promise.all(
    [r.transformQueueUrl, r.transformDlqUrl, r.loadQueueUrl, r.loadDlqUrl].map((url) =>
      queueDepth(target.sqs, url),
    ),
  );
  let warehouseResult: PipelineStatus["warehouse"];
  if (warehouse)
    try {
      warehouseResult = await warehouseStatus(warehouse.pool, warehouse.redactedUrl);
    } catch (error) {
      warehouseResult = { url: warehouse.redactedUrl, error: (error as Error).message };
    }
  return {
    target: target.description,
    tables,
    ...(state.lastRun ? { lastRun: state.lastRun } : {}),
    queues: { transform: transform!, transformDlq: transformDlq!, load: load!, loadDlq: loadDlq! },
    ...(warehouseResult ? { warehouse: warehouseResult } : {}),
  };
}
