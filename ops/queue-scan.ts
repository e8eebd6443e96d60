import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";

import { queueDepth } from "../runtime/aws/queue-depth.js";

export { queueDepth, type QueueDepth } from "../runtime/aws/queue-depth.js";

export interface ScanOptions {
  /**
   * How long each received message stays hidden while we hold it. Hiding is what lets
   * successive receives return the next messages; the scan makes every message it did
   * not delete visible again at the end, and a crash only delays them this long.
   */
  readonly holdSeconds: number;
  /** Called with each page as it arrives; may delete some of the page's messages. */
  readonly onPage?: (page: readonly Message[]) => Promise<readonly string[] | void>;
}

/**
 * Receives every visible message of a queue without consuming any: each page is held
 * (hidden) until the whole queue has been seen, then released with visibility 0, except
 * the messages `onPage` reports deleted (by receipt handle). Never deletes anything itself.
 */
export async function scanQueue(sqs: SQSClient, url: string, options: ScanOptions): Promise<Message[]> {
  const seen = new Map<string, Message>();
  const held: Message[] = [];
  const deleted = new Set<string>();
  try {
    if ((await queueDepth(sqs, url)).visible === 0) return [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: options.holdSeconds,
          // A long poll asks every SQS server, so an empty answer means an empty queue.
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      if (Messages.length === 0) break;
      held.push(...Messages);
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      for (const m of fresh) seen.set(m.MessageId!, m);
      const gone = (await options.onPage?.(fresh)) ?? [];
      for (const handle of gone) deleted.add(handle);
    }
  } finally {
    await release(
      sqs,
      url,
      held.filter((m) => m.ReceiptHandle && !deleted.has(m.ReceiptHandle)),
    );
  }
  return [...seen.values()];
}

/** Visibility back to 0, ten at a time: the messages are immediately receivable again. */
async function release(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: batch.map((m, n) => ({
          Id: String(n),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}
