import middy from "@middy/core";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { SQSEvent } from "aws-lambda";
import { processMessages, type QueueMessage } from "../../lib/events/queue-batch.js";
import type { ObjectRef } from "../../lib/events/s3-notification.js";
import { recordFailure } from "../../lib/pipeline/failures.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { TOPOLOGY, type QueuedStage } from "../../lib/pipeline/topology.js";
import { errorText, observability } from "./observability.js";

export interface StageWork<R> {
  readonly stage: QueuedStage;
  /** Failure records go to the bucket the topology names for the stage. */
  readonly buckets: Buckets;
  readonly run: (object: ObjectRef) => Promise<R>;
  /**
   * Counts to log and publish as metrics for one object's result; each of `counts` is also
   * published without the table dimension, for an alarm on any table.
   */
  readonly measure: (result: R) => {
    table: string;
    rowsIn: number;
    rowsOut: number;
    counts?: Record<string, number>;
  };
}

/**
 * The shape shared by the transform and load handlers: an SQS batch of S3 notifications,
 * each object processed by the stage, failures reported per message (batchItemFailures)
 * and recorded next to the data for `totes dlq`.
 */
export function sqsStageHandler<R>(work: StageWork<R>) {
  const { logger, metrics, tableMetrics } = observability(work.stage);
  const processObject = async (object: ObjectRef, message: QueueMessage) => {
    const started = performance.now();
    const result = await work.run(object);
    const { table, rowsIn, rowsOut, counts = {} } = work.measure(result);
    const seconds = (performance.now() - started) / 1000;
    logger.info(`${work.stage} done`, {
      objectKey: object.key,
      messageId: message.messageId,
      table,
      rowsIn,
      rowsOut,
      ...counts,
      seconds,
    });
    tableMetrics(work.stage, table, { rowsIn, rowsOut, seconds, ...counts });
    for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
    return result;
  };
  const onFailure = async (error: unknown, message: QueueMessage, objects: readonly ObjectRef[]) => {
    const receiveCount = Number(message.attributes?.ApproximateReceiveCount ?? 1);
    logger.error(`${work.stage} failed`, {
      messageId: message.messageId,
      objectKeys: objects.map((o) => o.key),
      receiveCount,
      error: errorText(error),
    });
    metrics.addMetric(`${work.stage}Failures`, MetricUnit.Count, 1);
    const { store } = work.buckets;
    const bucket =
      TOPOLOGY[work.stage].failures === "ingestion"
        ? work.buckets.ingestionBucket
        : work.buckets.processedBucket;
    for (const object of objects.length ? objects : [{ bucket, key: `message-${message.messageId}` }])
      await recordFailure(store, bucket, {
        stage: work.stage,
        objectKey: object.key,
        messageId: message.messageId,
        receiveCount,
        error: errorText(error),
      });
  };
  return middy<SQSEvent, unknown>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(sqsPartialBatchFailure({ logger: () => undefined }))
    .handler(async (event) => {
      metrics.addMetric(`${work.stage}Messages`, MetricUnit.Count, event.Records.length);
      return processMessages(event.Records, processObject, onFailure);
    });
}
