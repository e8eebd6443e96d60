import { extract } from "../../lib/extract/extract.js";
import type { Pool } from "../../lib/db/pool.js";
import { loadObject } from "../../lib/load/load.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { transformObject } from "../../lib/transform/transform.js";

/** Extract → transform every CSV → load every Parquet, in order: the stages without the choreography. */
export async function runStages(buckets: Buckets, source: Pool, warehouse: Pool) {
  const extracted = await extract({
    source,
    store: buckets.store,
    bucket: buckets.ingestionBucket,
  });
  const csvKeys = extracted.tables.flatMap((t) => t.objectKeys);
  const parquetKeys: string[] = [];
  for (const key of csvKeys) {
    const result = await transformObject(buckets, key);
    parquetKeys.push(...result.outputs.map((o) => o.objectKey));
  }
  const loads = [];
  for (const key of parquetKeys)
    loads.push(
      await loadObject(
        { store: buckets.store, bucket: buckets.processedBucket, warehouse: postgresWarehouse(warehouse) },
        key,
      ),
    );
  return { extracted, csvKeys, parquetKeys, loads };
}
