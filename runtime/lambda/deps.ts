import type { Pool } from "../../lib/db/pool.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import type { Warehouse } from "../../lib/warehouse/warehouse.js";

/**
 * What each handler is built from. On AWS `runtime/aws/deps.ts` makes them from SST's
 * links; the local runtime passes its own object store, buckets and databases.
 */
export interface ExtractDeps {
  readonly buckets: Buckets;
  readonly source: Pool;
}

export interface TransformDeps {
  readonly buckets: Buckets;
}

export interface LoadDeps {
  readonly buckets: Buckets;
  readonly warehouse: Warehouse;
}
