import { warmDuckDb } from "../../lib/transform/duckdb-session.js";
import { transformObject } from "../../lib/transform/transform.js";
import type { TransformDeps } from "./deps.js";
import { sqsStageHandler } from "./sqs-stage-handler.js";

/** Each CSV of an SQS batch of ingestion notifications → the star-table Parquet it affects. */
export function createTransformHandler(deps: TransformDeps) {
  warmDuckDb();
  return sqsStageHandler({
    stage: "transform",
    buckets: deps.buckets,
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.onObjectDone ? { onObjectDone: deps.onObjectDone } : {}),
    run: (object) => transformObject(deps.buckets, object.key),
    measure: (r) => ({
      table: r.table,
      rowsIn: r.rowsIn,
      rowsOut: r.outputs.reduce((n, o) => n + o.rows, 0),
      // Published per (stage, table) and per stage: the alarm watches `quarantinedRows` > 0.
      quarantinedRows: r.rowsQuarantined,
      settledRows: r.rowsSettled,
    }),
  });
}
