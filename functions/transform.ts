import { transformObject } from "../lib/transform/transform.js";
import { buckets } from "./config.js";
import { sqsStageHandler } from "./sqs-handler.js";

export const handler = sqsStageHandler({
  stage: "transform",
  failures: () => {
    const b = buckets();
    return { store: b.store, bucket: b.ingestionBucket };
  },
  run: (object) => transformObject(buckets(), object.key),
  measure: (r) => ({ table: r.table, rowsIn: r.rowsIn, rowsOut: r.outputs.reduce((n, o) => n + o.rows, 0) }),
});
