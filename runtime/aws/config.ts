import { Resource } from "sst/resource";
import { s3Client, type AwsEndpoint } from "./clients.js";
import { checkDatabaseUrl } from "../../lib/db/database-url.js";
import type { DatabaseRole } from "../../lib/db/errors.js";
import { createPool, type Pool } from "../../lib/db/pool.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { ObjectStore } from "../../lib/store/object-store.js";
import { PipelineError } from "../../lib/errors.js";
import { sourceSchemaFrom } from "../../lib/db/session-settings.js";
import { deployedPipeline, type PipelineIdentity } from "../../lib/warehouse/ownership.js";

/**
 * The one place the deployed handlers get configuration and secrets: SST's linked resources,
 * or environment variables where a function runs outside SST. The local runtime does not
 * come here: it hands the handlers its own dependencies.
 */
export interface FunctionConfig {
  readonly aws: AwsEndpoint;
  readonly ingestionBucket: string;
  readonly processedBucket: string;
}

type Linked = Record<string, { name?: string; value?: string } | undefined>;

/** A linked resource's field, or undefined when the function is not linked to it (or runs outside SST). */
function linked(resource: string, field: "name" | "value"): string | undefined {
  try {
    return (Resource as unknown as Linked)[resource]?.[field];
  } catch {
    return undefined;
  }
}

/** A setting a function cannot run without is missing. */
export class ConfigurationError extends PipelineError {
  constructor(readonly setting: string) {
    super(`configuration: ${setting} is not set`);
  }
}

function required(what: string, value: string | undefined): string {
  if (!value) throw new ConfigurationError(what);
  return value;
}

/** Real AWS, or the S3/SQS-compatible endpoint TOTES_AWS_ENDPOINT names. */
function awsEndpoint(): AwsEndpoint {
  const endpoint = process.env.TOTES_AWS_ENDPOINT;
  return endpoint
    ? {
        endpoint,
        region: process.env.AWS_REGION ?? "us-east-1",
        credentials: {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
        },
      }
    : {};
}

const processedBucketName = () =>
  required(
    "ProcessedBucket (SST link or TOTES_PROCESSED_BUCKET)",
    linked("ProcessedBucket", "name") ?? process.env.TOTES_PROCESSED_BUCKET,
  );

export function functionConfig(): FunctionConfig {
  return {
    aws: awsEndpoint(),
    ingestionBucket: required(
      "IngestionBucket (SST link or TOTES_INGESTION_BUCKET)",
      linked("IngestionBucket", "name") ?? process.env.TOTES_INGESTION_BUCKET,
    ),
    processedBucket: processedBucketName(),
  };
}

/** The processed bucket alone, for a function linked to no other bucket (verify). */
export function processedBucket(): { store: ObjectStore; bucket: string } {
  return { store: new ObjectStore(s3Client(awsEndpoint())), bucket: processedBucketName() };
}

export function buckets(config: FunctionConfig = functionConfig()): Buckets {
  return {
    store: new ObjectStore(s3Client(config.aws)),
    ingestionBucket: config.ingestionBucket,
    processedBucket: config.processedBucket,
  };
}

/** The schema the source tables live in: TOTES_SOURCE_SCHEMA, else `public`. */
export const sourceSchema = (): string => sourceSchemaFrom(process.env);

/**
 * The deployed pipeline, for the warehouse's owner record (lib/warehouse/ownership.ts): its
 * processed bucket, unique to the stage, names it.
 */
export function awsPipeline(): PipelineIdentity {
  const bucket = processedBucketName();
  let stage: string | undefined;
  try {
    stage = (Resource as unknown as { App?: { name?: string; stage?: string } }).App?.stage;
  } catch {
    stage = undefined;
  }
  return deployedPipeline(bucket, stage);
}

const pools = new Map<string, Pool>();

/** A pool per database, kept across warm invocations; a cold start simply makes a new one. */
export function database(kind: DatabaseRole): Pool {
  const secret = kind === "source" ? "SourceDatabaseUrl" : "WarehouseDatabaseUrl";
  const variable = kind === "source" ? "TOTES_SOURCE_URL" : "TOTES_WAREHOUSE_URL";
  const fromSecret = linked(secret, "value");
  const url = fromSecret ?? process.env[variable];
  // A URL that is not postgres:// fails every message at once, naming the setting to fix.
  const resolved = checkDatabaseUrl(
    kind,
    fromSecret ? `${secret} secret` : variable,
    required(`${secret} secret`, url),
  );
  let pool = pools.get(resolved);
  if (!pool) {
    pool = createPool(resolved, {
      max: 2,
      applicationName: `totes-etl ${kind}`,
      ...(kind === "source" ? { schema: sourceSchema() } : {}),
    });
    pools.set(resolved, pool);
  }
  return pool;
}

export async function closeDatabases(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.all(open.map((p) => p.end()));
}
