import { readExtractState } from "../lib/extract/state.js";
import type { Warehouse } from "../lib/warehouse/warehouse.js";
import { queueDepth } from "./queue-scan.js";
import type { OpsTarget } from "./stage-resources.js";
import { statusOf, type PipelineStatus } from "./status-report.js";

export { statusOf } from "./status-report.js";
export type { PipelineStatus, SourceTableStatus, StatusParts, WarehouseStatus } from "./status-report.js";

/**
 * What an operator checks first: how far each source table has been extracted, what is
 * waiting or dead in the queues, and what the warehouse holds. Reads only.
 */
export async function gatherStatus(target: OpsTarget, warehouse?: Warehouse): Promise<PipelineStatus> {
  const r = target.resources;
  const { state } = await readExtractState(target.store, r.ingestionBucket);
  const [transform, transformDlq, load, loadDlq] = await Promise.all(
    [r.transformQueueUrl, r.transformDlqUrl, r.loadQueueUrl, r.loadDlqUrl].map((url) =>
      queueDepth(target.sqs, url),
    ),
  );
  return statusOf(
    {
      description: target.description,
      state,
      queues: { transform: transform!, transformDlq: transformDlq!, load: load!, loadDlq: loadDlq! },
    },
    warehouse,
  );
}
