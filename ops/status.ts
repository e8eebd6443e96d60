import { SOURCE_TABLES } from "../lib/catalog/index.js";
import { readExtractState, type ExtractState } from "../lib/extract/state.js";
import type { Warehouse, WarehouseStatus } from "../lib/warehouse/warehouse.js";
import { queueDepth, type QueueDepth } from "./queue-scan.js";
import type { OpsTarget } from "./stage-resources.js";

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

/**
 * What an operator checks first: how far each source table has been extracted, what is
 * waiting or dead in the queues, and what the warehouse holds. Reads only.
 */
export async function gatherStatus(target: OpsTarget, warehouse?: Warehouse): Promise<PipelineStatus> {
  const r = target.resources;
  const { state } = await readExtractState(target.store, r.ingestionBucket);
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
  const [transform, transformDlq, load, loadDlq] = await Promise.all(
    [r.transformQueueUrl, r.transformDlqUrl, r.loadQueueUrl, r.loadDlqUrl].map((url) =>
      queueDepth(target.sqs, url),
    ),
  );
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
    target: target.description,
    tables,
    ...(state.lastRun ? { lastRun: state.lastRun } : {}),
    queues: { transform: transform!, transformDlq: transformDlq!, load: load!, loadDlq: loadDlq! },
    ...(warehouseResult ? { warehouse: warehouseResult } : {}),
  };
}
