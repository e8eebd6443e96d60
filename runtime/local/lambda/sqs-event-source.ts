import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { setTimeout as sleep } from "node:timers/promises";
import { queueDepth, type QueueDepth } from "../../aws/queue-depth.js";
import { toSqsEvent } from "./sqs-event.js";

export type { QueueDepth } from "../../aws/queue-depth.js";

/** May return nothing, as a Lambda SQS handler may. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly handler: SqsBatchHandler;
  /** Messages per invocation, 1–10 (one ReceiveMessage). Default 10. */
  readonly batchSize?: number;
  /** Long-poll wait per receive, 0–20 s. Default 1: short, so stop() and drain() end promptly. */
  readonly waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout for received messages. */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * After a failure the source makes the messages visible again this soon
   * (ChangeMessageVisibility), instead of after the full visibility timeout. Unset (the
   * default), it leaves their visibility to the handler, as Lambda's mapping does: the
   * pipeline's handlers set each failed message's backoff themselves.
   */
  readonly retryDelaySeconds?: number;
  /** Honour `batchItemFailures` (the mapping's ReportBatchItemFailures). Default true. */
  readonly reportBatchItemFailures?: boolean;
  /** Defaults to the queue ARN's region. */
  readonly region?: string;
  /** Stats key; defaults to the queue name from the ARN. */
  readonly name?: string;
  /** Told about handler errors and SQS call failures (the mapping itself never throws). */
  readonly onError?: (error: unknown, source: SqsEventSource) => void;
}

export interface BatchResult {
  readonly source: string;
  readonly messages: number;
  /** Messages left on the queue for another try. */
  readonly failed: number;
  /** Set when the handler threw: the whole batch is retried. */
  readonly error?: unknown;
  readonly durationMs: number;
}

/** What onError receives: names the queue, with the underlying failure as `cause`. */
export class EventSourceError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${message}`, options);
    this.name = "EventSourceError";
  }
}

/**
 * Polls an SQS queue and invokes a handler the way Lambda's SQS event source mapping does:
 * the same SQSEvent shape; the batch deleted on success; only the non-failed records deleted
 * with a partial batch response; nothing deleted when the handler throws. The queue's
 * RedrivePolicy moves a message to its DLQ once it has been received maxReceiveCount times.
 */
export class SqsEventSource {
  readonly name: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  private readonly region: string;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: SqsEventSourceOptions) {
    const arnParts = options.queueArn.split(":");
    this.name = options.name ?? arnParts[5] ?? options.queueUrl;
    this.region = options.region ?? arnParts[3] ?? "eu-west-2";
    this.queueUrl = options.queueUrl;
    this.queueArn = options.queueArn;
    const batchSize = options.batchSize ?? 10;
    if (batchSize < 1 || batchSize > 10)
      throw new EventSourceError(this.name, `batchSize ${batchSize} is not 1–10`);
  }

  /** One receive and, if it brought messages, one invocation. Undefined when the queue was empty. */
  async pollOnce(): Promise<BatchResult | undefined> {
    const { sqs, queueUrl } = this.options;
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.options.batchSize ?? 10,
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
        ...(this.options.visibilityTimeoutSeconds !== undefined
          ? { VisibilityTimeout: this.options.visibilityTimeoutSeconds }
          : {}),
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return undefined;
    return this.invoke(messages);
  }

  private async invoke(messages: Message[]): Promise<BatchResult> {
    const started = Date.now();
    const event = toSqsEvent(messages, this.queueArn, this.region);
    let failedIds: Set<string>;
    let error: unknown;
    try {
      const response = await this.options.handler(event);
      failedIds = this.failuresFrom(response, messages);
    } catch (thrown) {
      error = thrown;
      failedIds = new Set(messages.map((m) => m.MessageId ?? ""));
      this.report(
        new EventSourceError(this.name, `handler threw on a batch of ${messages.length}`, { cause: thrown }),
      );
    }
    const succeeded = messages.filter((m) => !failedIds.has(m.MessageId ?? ""));
    const failed = messages.filter((m) => failedIds.has(m.MessageId ?? ""));
    await Promise.all([this.deleteAll(succeeded), this.retryLater(failed)]);
    return {
      source: this.name,
      messages: messages.length,
      failed: failed.length,
      ...(error !== undefined ? { error } : {}),
      durationMs: Date.now() - started,
    };
  }

  /** Lambda's reading of a batch response: an unknown or empty itemIdentifier fails the whole batch. */
  private failuresFrom(response: SQSBatchResponse | void, messages: Message[]): Set<string> {
    const failures = response && Array.isArray(response.batchItemFailures) ? response.batchItemFailures : [];
    if (this.options.reportBatchItemFailures === false) return new Set();
    const ids = new Set(messages.map((m) => m.MessageId ?? ""));
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = failure?.itemIdentifier;
      if (typeof id !== "string" || !ids.has(id)) {
        this.report(
          new EventSourceError(
            this.name,
            `batchItemFailures names ${String(id)}, not in the batch: retrying all`,
          ),
        );
        return ids;
      }
      failed.add(id);
    }
    return failed;
  }

  private async deleteAll(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      const result = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (result.Failed?.length) {
        this.report(
          new EventSourceError(
            this.name,
            `could not delete ${result.Failed.length} processed messages: ${result.Failed.map((f) => f.Code).join(", ")}`,
          ),
        );
      }
    } catch (error) {
      this.report(
        new EventSourceError(this.name, `deleting ${messages.length} processed messages failed`, {
          cause: error,
        }),
      );
    }
  }

  private async retryLater(messages: Message[]): Promise<void> {
    const delay = this.options.retryDelaySeconds;
    if (messages.length === 0 || delay === undefined) return;
    try {
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: delay,
          })),
        }),
      );
    } catch (error) {
      // Not fatal: the messages come back after the visibility timeout instead.
      this.report(
        new EventSourceError(
          this.name,
          `shortening the visibility of ${messages.length} failed messages failed`,
          { cause: error },
        ),
      );
    }
  }

  private report(error: unknown): void {
    this.options.onError?.(error, this);
  }

  /** Messages visible, in flight (received, not deleted) and delayed, as SQS counts them. */
  depth(): Promise<QueueDepth> {
    return queueDepth(this.options.sqs, this.queueUrl);
  }

  /** Polls until stop(), like a deployed mapping; `concurrency` pollers share the queue. */
  start(concurrency = 1, onBatch?: (result: BatchResult) => void): void {
    if (this.running) return;
    this.stopping = false;
    const worker = async () => {
      while (!this.stopping) {
        try {
          const result = await this.pollOnce();
          if (result) onBatch?.(result);
        } catch (error) {
          if (this.stopping) return;
          this.report(new EventSourceError(this.name, "receiving failed; retrying in 1 s", { cause: error }));
          await sleep(1000);
        }
      }
    };
    this.running = Promise.all(Array.from({ length: concurrency }, worker)).then(() => undefined);
  }

  /** Lets the current receives and invocations finish (at most waitTimeSeconds + a handler). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }
}
