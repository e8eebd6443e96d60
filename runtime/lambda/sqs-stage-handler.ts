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
import { METRICS, TOPOLOGY, type QueuedStage } from "../../lib/pipeline/topology.js";
import { errorText, observability } from "./observability.js";
import { retryBackoff, type RetryDeps } from "./retry-backoff.js";

/** Counts to log and publish for one object's result; the optional ones only when known. */
export interface StageMeasure {
  readonly table: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Transform: rows set aside (row-level quarantine), and earlier ones a newer version settled. */
  readonly quarantinedRows?: number;
  readonly settledRows?: number;
  /** Load: how far behind the source the object's data is, now it is in the warehouse. */
  readonly sourceLagSeconds?: number;
}

export interface StageWork<R> {
  readonly stage: QueuedStage;
  /** Failure records go to the bucket the topology names for the stage. */
  readonly buckets: Buckets;
  /**
   * Hides a failed message for the stage's backoff. Without it (harnesses that hand the
   * handler made-up records) a failed message waits out the queue's visibility timeout.
   */
  readonly retry?: RetryDeps;
  readonly run: (object: ObjectRef) => Promise<R>;
  /** Counts to log and publish as metrics for one object's result. */
  readonly measure: (result: R) => StageMeasure;
  /** Called as each object is done, before the batch ends (progress; not used on Lambda). */
  readonly onObjectDone?: (objectKey: string) => void;
}

const definedOnly = (values: Record<string, number | undefined>): Record<string, number> =>
  Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => e[1] !== undefined));

/**
 * The shape shared by the transform and load handlers: an SQS batch of S3 notifications,
 * each object processed by the stage, failures reported per message (batchItemFailures),
 * recorded next to the data for `totes dlq`, counted (`{stage}Failures`, which the alarms
 * watch: Lambda counts such a call as a success) and retried after a short backoff.
 */
export function sqsStageHandler<R>(work: StageWork<R>) {
  const { logger, metrics, tableMetrics } = observability(work.stage);
  const backOff = work.retry && retryBackoff(TOPOLOGY[work.stage], work.retry, logger);
  const processObject = async (object: ObjectRef, message: QueueMessage) => {
    const started = performance.now();
    const result = await work.run(object);
    const { table, ...counts } = work.measure(result);
    const seconds = (performance.now() - started) / 1000;
    const values = { ...definedOnly(counts), seconds };
    logger.info(`${work.stage} done`, {
      objectKey: object.key,
      messageId: message.messageId,
      table,
      ...values,
    });
    tableMetrics(work.stage, table, values);
    work.onObjectDone?.(object.key);
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
    metrics.addMetric(METRICS.failures[work.stage], MetricUnit.Count, 1);
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
      metrics.addMetric(METRICS.messages[work.stage], MetricUnit.Count, event.Records.length);
      const settled = await processMessages(event.Records, processObject, onFailure);
      // The failed messages (middy reports them as batchItemFailures) come back after their backoff.
      await backOff?.(event.Records.filter((_, i) => settled[i]?.status === "rejected"));
      return settled;
    });
}
