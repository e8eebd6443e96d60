import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type BucketLocationConstraint,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { s3Client, sqsClient, type AwsEndpoint } from "../../aws/clients.js";
import {
  DLQ_RETENTION_SECONDS,
  LOCAL_BUCKETS,
  TOPOLOGY,
  type QueuedStage,
  type StageTopology,
} from "../../../lib/pipeline/topology.js";

export interface PipelineResources {
  readonly ingestionBucket: string;
  readonly processedBucket: string;
  readonly transformQueue: string;
  readonly transformDlq: string;
  readonly loadQueue: string;
  readonly loadDlq: string;
}

export const DEFAULT_PIPELINE_RESOURCES: PipelineResources = {
  ingestionBucket: LOCAL_BUCKETS.ingestion,
  processedBucket: LOCAL_BUCKETS.processed,
  transformQueue: TOPOLOGY.transform.queue.localName,
  transformDlq: TOPOLOGY.transform.dlq.localName,
  loadQueue: TOPOLOGY.load.queue.localName,
  loadDlq: TOPOLOGY.load.dlq.localName,
};

export interface ProvisionOptions {
  /**
   * Main queues' visibility timeout. The topology's (above the function timeout) by default;
   * the local runner takes less, since its handlers run in this process.
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Receive counts, key filters and notification names; the pipeline's own by default. */
  readonly topology?: Readonly<Record<QueuedStage, StageTopology>>;
}

export interface QueueRef {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface ProvisionedPipeline {
  readonly resources: PipelineResources;
  readonly transformQueue: QueueRef;
  readonly transformDlq: QueueRef;
  readonly loadQueue: QueueRef;
  readonly loadDlq: QueueRef;
}

/** Notification rule names: stable, so re-provisioning replaces rather than adds. */
export const INGESTION_NOTIFICATION_ID = TOPOLOGY.transform.input.notification;
export const PROCESSED_NOTIFICATION_ID = TOPOLOGY.load.input.notification;

/**
 * Creates the pipeline's buckets, queues (each main queue redriving to its DLQ) and bucket
 * notifications through the ordinary S3 and SQS APIs. Idempotent: run it on every start;
 * a changed visibility timeout or receive count is applied to existing queues.
 */
export async function provisionPipeline(
  endpoint: AwsEndpoint,
  resources: PipelineResources = DEFAULT_PIPELINE_RESOURCES,
  options: ProvisionOptions = {},
): Promise<ProvisionedPipeline> {
  const s3 = s3Client(endpoint);
  const sqs = sqsClient(endpoint);
  try {
    return await provisionWith(s3, sqs, endpoint, resources, options);
  } finally {
    s3.destroy();
    sqs.destroy();
  }
}

async function provisionWith(
  s3: S3Client,
  sqs: SQSClient,
  endpoint: AwsEndpoint,
  resources: PipelineResources,
  options: ProvisionOptions,
): Promise<ProvisionedPipeline> {
  const topology = options.topology ?? TOPOLOGY;
  const region = await s3.config.region();

  const ensureQueue = async (name: string, attributes: Record<string, string>): Promise<QueueRef> => {
    try {
      // Created bare and then configured, so a queue from an earlier run with other
      // attributes converges instead of failing with QueueNameExists.
      const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
      );
      if (!url || !Attributes?.QueueArn)
        throw new Error("CreateQueue/GetQueueAttributes returned no URL or ARN");
      return { name, url, arn: Attributes.QueueArn };
    } catch (error) {
      throw new Error(`provisioning queue ${name} at ${endpoint.endpoint ?? "AWS"} failed`, { cause: error });
    }
  };

  const ensureBucket = async (name: string) => {
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: name,
          // Outside us-east-1 AWS requires the location constraint; harmless locally.
          ...(region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
    } catch (error) {
      if (error instanceof BucketAlreadyOwnedByYou) return;
      throw new Error(`provisioning bucket ${name} at ${endpoint.endpoint ?? "AWS"} failed`, {
        cause: error,
      });
    }
  };

  await Promise.all([ensureBucket(resources.ingestionBucket), ensureBucket(resources.processedBucket)]);
  const dlqAttributes = { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) };
  const [transformDlq, loadDlq] = await Promise.all([
    ensureQueue(resources.transformDlq, dlqAttributes),
    ensureQueue(resources.loadDlq, dlqAttributes),
  ]);
  const mainAttributes = (stage: StageTopology, dlq: QueueRef) => ({
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? stage.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: stage.maxReceives }),
  });
  const [transformQueue, loadQueue] = await Promise.all([
    ensureQueue(resources.transformQueue, mainAttributes(topology.transform, transformDlq)),
    ensureQueue(resources.loadQueue, mainAttributes(topology.load, loadDlq)),
  ]);

  const notify = async (bucket: string, queue: QueueRef, stage: StageTopology) => {
    const id = stage.input.notification;
    const filter = stage.input;
    const rules = [
      ...(filter.prefix !== undefined ? [{ Name: "prefix" as const, Value: filter.prefix }] : []),
      { Name: "suffix" as const, Value: filter.suffix },
    ];
    try {
      // S3 sends an s3:TestEvent on every put; skipping an unchanged configuration keeps
      // restarts from queueing one each time.
      const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      const configs = current.QueueConfigurations ?? [];
      const same =
        configs.length === 1 &&
        !current.TopicConfigurations?.length &&
        !current.LambdaFunctionConfigurations?.length &&
        configs[0]?.Id === id &&
        configs[0].QueueArn === queue.arn &&
        configs[0].Events?.join() === "s3:ObjectCreated:*" &&
        sameRules(configs[0].Filter?.Key?.FilterRules ?? [], rules);
      if (same) return;
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                Id: id,
                QueueArn: queue.arn,
                Events: ["s3:ObjectCreated:*"],
                Filter: { Key: { FilterRules: rules } },
              },
            ],
          },
        }),
      );
    } catch (error) {
      throw new Error(`configuring notifications s3://${bucket} → ${queue.name} failed`, { cause: error });
    }
  };
  const bucketOf = { ingestion: resources.ingestionBucket, processed: resources.processedBucket };
  await Promise.all([
    notify(bucketOf[topology.transform.input.bucket], transformQueue, topology.transform),
    notify(bucketOf[topology.load.input.bucket], loadQueue, topology.load),
  ]);

  return { resources, transformQueue, transformDlq, loadQueue, loadDlq };
}

const sameRules = (
  a: readonly { Name?: string; Value?: string }[],
  b: readonly { Name?: string; Value?: string }[],
) => {
  const text = (rules: readonly { Name?: string; Value?: string }[]) =>
    rules
      .map((r) => `${r.Name?.toLowerCase()}=${r.Value}`)
      .sort()
      .join("\n");
  return text(a) === text(b);
};
