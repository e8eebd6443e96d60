import { partBoundFrom } from "../../lib/extract/csv-parts.js";
import { postgresPortableVerifyDialect, redshiftVerifyDialect } from "../../lib/verify/index.js";
import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import type { Warehouse } from "../../lib/warehouse/warehouse.js";
import { linkedRedshiftTarget, redshiftWarehouseFor } from "./redshift-target.js";
import type { ExtractDeps, LoadDeps, RetryDeps, TransformDeps, VerifyDeps } from "../lambda/deps.js";
import { sqsClient } from "./clients.js";
import { awsPipeline, buckets, database, functionConfig, processedBucket, sourceSchema } from "./config.js";

/** The stage's warehouse: Redshift through the Data API when the function is linked to one, else Postgres. */
function warehouse(): Warehouse {
  const redshift = linkedRedshiftTarget();
  return redshift ? redshiftWarehouseFor(redshift) : postgresWarehouse(database("warehouse"));
}

/** The queue the function is mapped to, for the retry backoff (the role may ChangeMessageVisibility). */
const retry = (): RetryDeps => ({ sqs: sqsClient(functionConfig().aws) });

/** Built once per cold start: one S3 and one SQS client and one pool per database, kept while warm. */
export const awsExtractDeps = (): ExtractDeps => ({
  buckets: buckets(),
  source: database("source"),
  sourceSchema: sourceSchema(),
  // Set by stacks/functions.ts from EXTRACT_PARTS (stacks/settings.ts).
  parts: partBoundFrom(process.env),
});
export const awsTransformDeps = (): TransformDeps => ({ buckets: buckets(), retry: retry() });
export const awsLoadDeps = (): LoadDeps => ({
  buckets: buckets(),
  warehouse: warehouse(),
  pipeline: awsPipeline(),
  retry: retry(),
});
export const awsVerifyDeps = (): VerifyDeps => {
  const { store, bucket } = processedBucket();
  return {
    store,
    processedBucket: bucket,
    source: database("source"),
    sourceSchema: sourceSchema(),
    warehouse: warehouse(),
    pipeline: awsPipeline(),
    // Postgres against Redshift: both sides render rows the one cross-engine way.
    ...(linkedRedshiftTarget()
      ? { dialects: { source: postgresPortableVerifyDialect, warehouse: redshiftVerifyDialect } }
      : {}),
  };
};
