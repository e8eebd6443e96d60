import { DLQ_RETENTION_SECONDS, TOPOLOGY, type StageTopology } from "../lib/pipeline/topology";
import { ingestionBucket, processedBucket } from "./storage";

const buckets = { ingestion: ingestionBucket, processed: processedBucket } as const;

/** A stage's queue and DLQ, and the bucket notification that feeds it, from the topology. */
function stageQueues(stage: StageTopology) {
  const dlq = new sst.aws.Queue(stage.dlq.component, {
    transform: { queue: { messageRetentionSeconds: DLQ_RETENTION_SECONDS } },
  });
  const queue = new sst.aws.Queue(stage.queue.component, {
    visibilityTimeout: `${stage.visibilityTimeoutSeconds} seconds`,
    dlq: { queue: dlq.arn, retry: stage.maxReceives },
  });
  return { queue, dlq };
}

export const { queue: transformQueue, dlq: transformDlq } = stageQueues(TOPOLOGY.transform);
export const { queue: loadQueue, dlq: loadDlq } = stageQueues(TOPOLOGY.load);

// One notify() per bucket: each bucket feeds one stage.
for (const [stage, queue] of [
  [TOPOLOGY.transform, transformQueue],
  [TOPOLOGY.load, loadQueue],
] as const)
  buckets[stage.input.bucket].notify({
    notifications: [
      {
        name: stage.input.notification,
        queue,
        events: ["s3:ObjectCreated:*"],
        ...(stage.input.prefix ? { filterPrefix: stage.input.prefix } : {}),
        filterSuffix: stage.input.suffix,
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
