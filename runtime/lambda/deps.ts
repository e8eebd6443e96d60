import type { Pool } from "../../lib/db/pool.js";
import type { PartBound } from "../../lib/extract/csv-parts.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import type { ObjectStore } from "../../lib/store/object-store.js";
import type { PipelineIdentity } from "../../lib/warehouse/ownership.js";
import type { VerifyDialect } from "../../lib/verify/index.js";
import type { Warehouse } from "../../lib/warehouse/warehouse.js";
import type { RetryDeps } from "./retry-backoff.js";

export type { RetryDeps } from "./retry-backoff.js";

/**
 * What each handler is built from. On AWS `runtime/aws/deps.ts` makes them from SST's
 * links; the local runtime passes its own object store, buckets and databases.
 */
export interface ExtractDeps {
  readonly buckets: Buckets;
  readonly source: Pool;
  /** The schema the source tables are read from (default `public`). */
  readonly sourceSchema?: string;
  /** The most one CSV holds before a window is written in parts (default DEFAULT_PART_BOUND). */
  readonly parts?: PartBound;
}

/**
 * The queued stages also get an SQS client, to hide a failed message for its backoff
 * (`retry`); harnesses that hand the handlers made-up records leave it out.
 */
/** Hears of each object a stage finished, as it finishes (the local runner's progress). */
export type ObjectDone = (objectKey: string) => void;

export interface TransformDeps {
  readonly buckets: Buckets;
  readonly retry?: RetryDeps;
  readonly onObjectDone?: ObjectDone;
}

export interface LoadDeps {
  readonly buckets: Buckets;
  readonly warehouse: Warehouse;
  /** The pipeline these loads are from: a warehouse another pipeline owns refuses them. */
  readonly pipeline: PipelineIdentity;
  readonly retry?: RetryDeps;
  readonly onObjectDone?: ObjectDone;
}

/**
 * Verify reads both databases and writes its report to the processed bucket (`_state/verify/`);
 * first it catches the warehouse up with what the pipeline recorded as loaded (a restore).
 */
export interface VerifyDeps {
  readonly store: ObjectStore;
  readonly processedBucket: string;
  readonly source: Pool;
  readonly sourceSchema?: string;
  readonly warehouse: Warehouse;
  readonly pipeline: PipelineIdentity;
  /** Where the warehouse is another engine (Redshift): how each side renders rows (lib/verify/dialect.ts). */
  readonly dialects?: { readonly source: VerifyDialect; readonly warehouse: VerifyDialect };
}
