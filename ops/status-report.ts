import { SOURCE_TABLES } from "../lib/catalog/index.js";
import type { ExtractState } from "../lib/extract/state.js";
import type { Warehouse, WarehouseStatus } from "../lib/warehouse/warehouse.js";

/*
 * A pipeline's status, from its parts: no AWS client is imported here, so a local status can
 * be made from the saved local state without loading the SDK or the emulator.
 */
import type { QueueDepth } from "../runtime/aws/queue-depth.js";

export interface SourceTableStatus {
  readonly table: string;
  /**
   * The cursor: changes by transactions from this xid8 on are the next run's. Undefined:
   * the next run reads the whole table (never read, or reset).
   */
  readonly cursor?: string;
  /** When the snapshot the cursor came from was taken (UTC): everything committed before it is read. */
  readonly readUpTo?: string;
  readonly lastExtractedAt?: string;
  readonly lastRows?: number;
  readonly lastObjectKey?: string;
}

export type { WarehouseStatus } from "../lib/warehouse/warehouse.js";

export interface PipelineStatus {
  readonly target: string;
  readonly tables: readonly SourceTableStatus[];
  readonly lastRun?: ExtractState["lastRun"];
  readonly queues: Readonly<Record<"transform" | "transformDlq" | "load" | "loadDlq", QueueDepth>>;
  /** Absent when no warehouse was given; `error` when it could not be read. */
  readonly warehouse?: WarehouseStatus | { readonly url: string; readonly error: string };
}

/** What a status is made of, however it was read (the target's APIs, or a saved local state). */
export interface StatusParts {
  readonly description: string;
  readonly state: ExtractState;
  readonly queues: PipelineStatus["queues"];
}

/** A status from its parts, with the warehouse's counts when one is given. */
export async function statusOf(parts: StatusParts, warehouse?: Warehouse): Promise<PipelineStatus> {
  const { state } = parts;
  const tables = SOURCE_TABLES.map((t): SourceTableStatus => {
    const mark = state.tables[t.name];
    return mark
      ? {
          table: t.name,
          ...(mark.since ? { cursor: mark.since } : {}),
          ...(mark.since && state.snapshot ? { readUpTo: state.snapshot.takenAt } : {}),
          lastExtractedAt: mark.lastExtractedAt,
          lastRows: mark.lastRows,
          lastObjectKey: mark.lastObjectKey,
        }
      : { table: t.name };
  });
  let warehouseResult: PipelineStatus["warehouse"];
  if (warehouse)
    try {
      warehouseResult = await warehouse.status();
    } catch (error) {
      warehouseResult = {
        url: warehouse.description,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  return {
    target: parts.description,
    tables,
    ...(state.lastRun ? { lastRun: state.lastRun } : {}),
    queues: parts.queues,
    ...(warehouseResult ? { warehouse: warehouseResult } : {}),
  };
}
