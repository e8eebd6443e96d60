import { objectsInNotification, type ObjectRef } from "./s3-notification.js";

/** What the pipeline needs of one queue message; Lambda's SQSRecord has these fields. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

export interface MessageOutcome<R> {
  readonly messageId: string;
  readonly objects: readonly ObjectRef[];
  readonly results: readonly R[];
}

async function processMessage<R>(
  message: QueueMessage,
  work: (object: ObjectRef, message: QueueMessage) => Promise<R>,
  onFailure?: (error: unknown, message: QueueMessage, objects: readonly ObjectRef[]) => Promise<void>,
): Promise<MessageOutcome<R>> {
  let objects: ObjectRef[] = [];
  try {
    objects = objectsInNotification(message.body);
    const results: R[] = [];
    for (const object of objects) results.push(await work(object, message));
    return { messageId: message.messageId, objects, results };
  } catch (error) {
    // Recording the failure must never hide it.
    await onFailure?.(error, message, objects).catch(() => undefined);
    throw error;
  }
}

/**
 * Runs `work` for every object every message announces. Messages are independent: one
 * message's failure rejects only its own entry (in the order of `messages`, the shape
 * middy's partial-batch middleware expects), so a poison object never fails its batch.
 * Messages run one after another: parallelism comes from concurrent invocations, and one
 * DuckDB or COPY at a time keeps an invocation's memory flat.
 */
export async function processMessages<R>(
  messages: readonly QueueMessage[],
  work: (object: ObjectRef, message: QueueMessage) => Promise<R>,
  onFailure?: (error: unknown, message: QueueMessage, objects: readonly ObjectRef[]) => Promise<void>,
): Promise<PromiseSettledResult<MessageOutcome<R>>[]> {
  const settled: PromiseSettledResult<MessageOutcome<R>>[] = [];
  for (const message of messages) {
    try {
      settled.push({ status: "fulfilled", value: await processMessage(message, work, onFailure) });
    } catch (reason) {
      settled.push({ status: "rejected", reason });
    }
  }
  return settled;
}
