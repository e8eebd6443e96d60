import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SQSRecord } from "aws-lambda";
import { retryDelaySeconds, type RetryBackoff, type StageTopology } from "../../lib/pipeline/topology.js";
import { errorText } from "./observability.js";

/** What a queued stage's handler needs to hide a failed message for its backoff. */
export interface RetryDeps {
  readonly sqs: SQSClient;
  /** Defaults to the stage's schedule in lib/pipeline/topology.ts; the local runtime scales it down. */
  readonly backoff?: RetryBackoff;
}

/**
 * Shortens each failed message's visibility to its backoff (ChangeMessageVisibility with the
 * record's receipt handle), so it is received again in seconds rather than after the queue's
 * visibility timeout, and reaches the DLQ minutes after its first failure. Never throws: a
 * message whose visibility cannot be changed simply comes back after the visibility timeout.
 */
export function retryBackoff(stage: StageTopology, retry: RetryDeps, logger: Logger) {
  const backoff = retry.backoff ?? stage.retry;
  const urls = new Map<string, Promise<string>>();
  // The queue URL from the record's ARN (arn:aws:sqs:region:account:name), asked once per queue.
  const queueUrl = (arn: string) => {
    let url = urls.get(arn);
    if (!url) {
      const [, , , , account, name] = arn.split(":");
      url = retry.sqs
        .send(
          new GetQueueUrlCommand({
            QueueName: name,
            ...(account ? { QueueOwnerAWSAccountId: account } : {}),
          }),
        )
        .then((r) => r.QueueUrl ?? Promise.reject(new Error(`no URL for ${arn}`)));
      url.catch(() => urls.delete(arn));
      urls.set(arn, url);
    }
    return url;
  };
  const hide = async (record: SQSRecord) => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    const delaySeconds = retryDelaySeconds(stage, backoff, receiveCount);
    try {
      await retry.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: await queueUrl(record.eventSourceARN),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: delaySeconds,
        }),
      );
      logger.info(`${stage.stage} retry scheduled`, {
        messageId: record.messageId,
        receiveCount,
        delaySeconds,
      });
    } catch (error) {
      logger.warn(`${stage.stage} retry backoff not set: the message returns after the visibility timeout`, {
        messageId: record.messageId,
        receiveCount,
        error: errorText(error),
      });
    }
  };
  return (failed: readonly SQSRecord[]) => Promise.all(failed.map(hide)).then(() => undefined);
}
