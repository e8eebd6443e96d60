import { consumePermission, loadQueue, transformQueue } from "./queues";
import { sourceDatabaseUrl } from "./secrets";
import { TOPOLOGY, type StageTopology } from "../lib/pipeline/topology";
import {
  EXTRACT_PARTS,
  EXTRACT_SCHEDULE,
  EXTRACT_TIMEOUT,
  VERIFY_SCHEDULE,
  VERIFY_TIMEOUT,
} from "./settings";
import { ingestionBucket, processedBucket, readOnly } from "./storage";
import { LOAD_ENVIRONMENT } from "../runtime/lambda/load-environment";
import { warehouseLink } from "./warehouse";

// SST 4.17.1 lets the account root assume every function role (a need of `sst dev` only, which
// assumes the role from the laptop). Deployed stages trust Lambda alone.
const lambdaOnlyTrust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } }],
});

// x86_64 matches the DuckDB binding npm installs for linux-x64. The code runs on Node 20 and 22.
const common = {
  runtime: "nodejs22.x",
  architecture: "x86_64",
  environment: { TOTES_STAGE: $app.stage },
  transform: $dev ? undefined : { role: { assumeRolePolicy: lambdaOnlyTrust } },
} as const;

/** Reads changed rows from totesys into CSV objects. Never runs twice at once. */
export const extract = new sst.aws.Function("Extract", {
  ...common,
  handler: "functions/extract.handler",
  description: "totesys → ingestion bucket (CSV)",
  environment: {
    ...common.environment,
    TOTES_PART_ROWS: String(EXTRACT_PARTS.rows),
    TOTES_PART_BYTES: String(EXTRACT_PARTS.bytes),
  },
  timeout: EXTRACT_TIMEOUT,
  memory: "1024 MB",
  concurrency: { reserved: 1 },
  link: [sourceDatabaseUrl, ingestionBucket],
});

/** CSV → star-schema Parquet with DuckDB, whose native binding ships beside the bundle. */
export const transform = new sst.aws.Function("Transform", {
  ...common,
  environment: { ...common.environment, HOME: "/tmp" }, // DuckDB wants a writable home
  handler: "functions/transform.handler",
  description: "ingestion CSV → processed Parquet",
  timeout: `${TOPOLOGY.transform.timeoutSeconds} seconds`,
  memory: "3008 MB",
  storage: "2048 MB",
  // Kept out of the bundle and installed by SST with npm for linux/x64 at the version
  // package.json pins; npm then adds @duckdb/node-bindings and its linux-x64 binary.
  nodejs: { install: ["@duckdb/node-api"] },
  link: [readOnly(ingestionBucket), processedBucket],
  permissions: [consumePermission(transformQueue)],
});

/** Parquet → warehouse. Few at once: every invocation holds warehouse connections. */
export const load = new sst.aws.Function("Load", {
  ...common,
  handler: "functions/load.handler",
  description: "processed Parquet → warehouse",
  environment: { ...common.environment, ...LOAD_ENVIRONMENT },
  timeout: `${TOPOLOGY.load.timeoutSeconds} seconds`,
  memory: "1024 MB",
  link: [processedBucket, warehouseLink],
  permissions: [consumePermission(loadQueue)],
});

export const schedule = new sst.aws.CronV2("ExtractSchedule", {
  schedule: EXTRACT_SCHEDULE,
  function: extract,
});

/**
 * Compares warehouse and source by segment checksums and writes its report to the processed
 * bucket (`_state/verify/`); reads both databases, so it is linked to both (on a Redshift stage, the
 * warehouse through the Data API). One at a time.
 */
export const verify = new sst.aws.Function("Verify", {
  ...common,
  handler: "functions/verify.handler",
  description: "warehouse vs source: segment checksums, report to the processed bucket",
  timeout: VERIFY_TIMEOUT,
  memory: "1024 MB",
  concurrency: { reserved: 1 },
  link: [sourceDatabaseUrl, warehouseLink, processedBucket],
});

export const verifySchedule = new sst.aws.CronV2("VerifySchedule", {
  schedule: VERIFY_SCHEDULE,
  function: verify,
});

/** The event source mapping of a stage, as the topology describes it. */
const consume = (stage: StageTopology) => ({
  batch: {
    size: stage.batch.size,
    window: `${stage.batch.windowSeconds} seconds` as const,
    // A batch's failed records go back to the queue alone; the handlers report them with
    // middy's sqs-partial-batch-failure.
    partialResponses: true,
  },
  // A concurrency cap on the mapping, not reserved concurrency: throttled SQS batches count
  // as receives and would drift into the DLQ.
  transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: stage.batch.maxConcurrency } } },
});

export const transformSubscription = transformQueue.subscribe(transform.arn, consume(TOPOLOGY.transform));
export const loadSubscription = loadQueue.subscribe(load.arn, consume(TOPOLOGY.load));
