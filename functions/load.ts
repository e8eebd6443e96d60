import { loadObject } from "../lib/load/load.js";
import { postgresWarehouse } from "../lib/warehouse/postgres.js";
import { buckets, database } from "./config.js";
import { sqsStageHandler } from "./sqs-handler.js";

export const handler = sqsStageHandler({
  stage: "load",
  failures: () => {
    const b = buckets();
    return { store: b.store, bucket: b.processedBucket };
  },
  run: (object) => {
    const b = buckets();
    return loadObject(
      { store: b.store, bucket: b.processedBucket, warehouse: postgresWarehouse(database("warehouse")) },
      object.key,
    );
  },
  measure: (r) => ({ table: r.table, rowsIn: r.rowsIn, rowsOut: r.rowsWritten }),
});
