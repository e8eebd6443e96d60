import { loadObject, type LoadResult } from "../../lib/load/load.js";
import { parseProcessedKey, stampTime } from "../../lib/pipeline/keys.js";
import type { LoadDeps } from "./deps.js";
import { sqsStageHandler } from "./sqs-stage-handler.js";

/**
 * Freshness: seconds from the source snapshot an object was extracted in (the run stamp in
 * its key, the source database's clock) to now, as it is committed. Not for a repeat
 * delivery (nothing new reached the warehouse) or a key without a stamp.
 */
function sourceLagSeconds(result: LoadResult, now = Date.now()): number | undefined {
  if (result.alreadyLoaded) return undefined;
  const snapshot = stampTime(parseProcessedKey(result.objectKey)?.stamp ?? "");
  return snapshot ? Math.max(0, (now - snapshot.getTime()) / 1000) : undefined;
}

/** Each Parquet object of an SQS batch of processed notifications → its warehouse table. */
export function createLoadHandler(deps: LoadDeps) {
  const options = {
    store: deps.buckets.store,
    bucket: deps.buckets.processedBucket,
    warehouse: deps.warehouse,
    pipeline: deps.pipeline,
  };
  return sqsStageHandler({
    stage: "load",
    buckets: deps.buckets,
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.onObjectDone ? { onObjectDone: deps.onObjectDone } : {}),
    run: (object) => loadObject(options, object.key, { size: object.size }),
    measure: (r) => ({
      table: r.table,
      rowsIn: r.rowsIn,
      rowsOut: r.rowsWritten,
      sourceLagSeconds: sourceLagSeconds(r),
    }),
  });
}
