import { postgresWarehouse } from "../../lib/warehouse/postgres.js";
import type { ExtractDeps, LoadDeps, TransformDeps } from "../lambda/deps.js";
import { buckets, database } from "./config.js";

/** Built once per cold start: one S3 client and one pool per database, kept while warm. */
export const awsExtractDeps = (): ExtractDeps => ({ buckets: buckets(), source: database("source") });
export const awsTransformDeps = (): TransformDeps => ({ buckets: buckets() });
export const awsLoadDeps = (): LoadDeps => ({
  buckets: buckets(),
  warehouse: postgresWarehouse(database("warehouse")),
});
