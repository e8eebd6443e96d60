import { loadObject } from "../../lib/load/load.js";
import type { LoadDeps } from "./deps.js";
import { sqsStageHandler } from "./sqs-stage-handler.js";

/** Each Parquet object of an SQS batch of processed notifications → its warehouse table. */
export function createLoadHandler(deps: LoadDeps) {
  const options = {
    store: deps.buckets.store,
    bucket: deps.buckets.processedBucket,
    warehouse: deps.warehouse,
  };
  return sqsStageHandler({
    stage: "load",
    buckets: deps.buckets,
    run: (object) => loadObject(options, object.key),
    measure: (r) => ({ table: r.table, rowsIn: r.rowsIn, rowsOut: r.rowsWritten }),
  });
}
