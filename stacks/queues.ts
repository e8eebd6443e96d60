import { DLQ_RETENTION_SECONDS, MAX_RECEIVES, QUEUE_VISIBILITY_TIMEOUT } from "./settings";
import { ingestionBucket, processedBucket } from "./storage";

export const transformDlq = new sst.aws.Queue("TransformDlq", {
  transform: { queue: { messageRetentionSeconds: DLQ_RETENTION_SECONDS } },
});

export const transformQueue = new sst.aws.Queue("TransformQueue", {
  visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
  dlq: { queue: transformDlq.arn, retry: MAX_RECEIVES },
});

export const loadDlq = new sst.aws.Queue("LoadDlq", {
  transform: { queue: { messageRetentionSeconds: DLQ_RETENTION_SECONDS } },
});

export const loadQueue = new sst.aws.Queue("LoadQueue", {
  visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
  dlq: { queue: loadDlq.arn, retry: MAX_RECEIVES },
});

// A new extract (*.csv) in the ingestion bucket is work for transform.
ingestionBucket.notify({
  notifications: [
    {
      name: "CsvToTransform",
      queue: transformQueue,
      events: ["s3:ObjectCreated:*"],
      filterSuffix: ".csv",
    },
  ],
});

// Only table files are work for load: the pipeline's own objects under `_state/` never match
// the `tables/` prefix, so writing them triggers nothing.
processedBucket.notify({
  notifications: [
    {
      name: "ParquetToLoad",
      queue: loadQueue,
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "tables/",
      filterSuffix: ".parquet",
    },
  ],
});

/** What a function's role needs to consume a queue through an event source mapping. */
export function consumePermission(queue: sst.aws.Queue) {
  return {
    actions: [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ],
    resources: [queue.arn],
  };
}
