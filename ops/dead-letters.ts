import type { Message } from "@aws-sdk/client-sqs";
import { objectsInNotification } from "../lib/events/s3-notification.js";
import { readFailure, type FailureRecord } from "../lib/pipeline/failures.js";
import { OpsError } from "./errors.js";
import { scanQueue } from "./queue-scan.js";
import { DLQ_NAMES, dlqRoute, type DlqName, type DlqRoute, type OpsTarget } from "./stage-resources.js";

export type FailureEntry = FailureRecord["failures"][number] & { readonly objectKey: string };

/** One dead message, with what the handlers recorded about the objects it names. */
export interface DeadLetter {
  readonly queue: DlqName;
  readonly messageId: string;
  readonly objectKeys: readonly string[];
  /** Receives by the pipeline before it gave up (from the failure records). */
  readonly receiveCount?: number;
  /** SQS's own count: includes receives by these tools, so it grows as you look. */
  readonly sqsReceiveCount: number;
  readonly sentAt?: string;
  readonly firstFailureAt?: string;
  readonly lastFailureAt?: string;
  readonly lastError?: string;
  /** Every recorded failure of the objects, oldest first (earlier replays included). */
  readonly failures: readonly FailureEntry[];
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Set when the body is not an S3 notification the handlers could read. */
  readonly unreadable?: string;
}

/** How long list/show hold each message while scanning: short, nothing is done with it. */
const LIST_HOLD_SECONDS = 30;

const epochIso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : undefined);

/** The object keys a body names; the handlers record unreadable bodies as `message-{id}`. */
function keysOf(message: Message): { keys: string[]; unreadable?: string } {
  try {
    return { keys: objectsInNotification(message.Body ?? "").map((o) => o.key) };
  } catch (error) {
    return { keys: [], unreadable: (error as Error).message };
  }
}

export async function describeDeadLetter(
  target: OpsTarget,
  route: DlqRoute,
  message: Message,
): Promise<DeadLetter> {
  const messageId = message.MessageId ?? "";
  const { keys, unreadable } = keysOf(message);
  const recordKeys = keys.length ? keys : [`message-${messageId}`];
  const failures: FailureEntry[] = [];
  for (const objectKey of recordKeys) {
    const record = await readFailure(target.store, route.failureBucket, route.name, objectKey);
    for (const f of record?.failures ?? []) failures.push({ ...f, objectKey });
  }
  failures.sort((a, b) => a.at.localeCompare(b.at));
  const last = failures.at(-1);
  const attributes = message.Attributes ?? {};
  return {
    queue: route.name,
    messageId,
    objectKeys: keys,
    receiveCount: last?.receiveCount,
    sqsReceiveCount: Number(attributes.ApproximateReceiveCount ?? 0),
    sentAt: epochIso(attributes.SentTimestamp),
    firstFailureAt: failures[0]?.at,
    lastFailureAt: last?.at,
    lastError: last?.error,
    failures,
    body: message.Body ?? "",
    attributes,
    ...(unreadable ? { unreadable } : {}),
  };
}

/** Every message in one DLQ, described. Consumes nothing: see scanQueue. */
export async function listDeadLetters(target: OpsTarget, queue: DlqName): Promise<DeadLetter[]> {
  const route = dlqRoute(target.resources, queue);
  let messages: Message[];
  try {
    messages = await scanQueue(target.sqs, route.dlqUrl, { holdSeconds: LIST_HOLD_SECONDS });
  } catch (error) {
    throw new OpsError(
      `reading the ${queue} DLQ of ${target.description} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const letters: DeadLetter[] = [];
  for (const m of messages) letters.push(await describeDeadLetter(target, route, m));
  return letters.sort((a, b) => (a.sentAt ?? "").localeCompare(b.sentAt ?? ""));
}

/** One dead message by id, from the named DLQ or from either. */
export async function findDeadLetter(
  target: OpsTarget,
  messageId: string,
  queue?: DlqName,
): Promise<DeadLetter> {
  for (const name of queue ? [queue] : DLQ_NAMES) {
    const found = (await listDeadLetters(target, name)).find((l) => l.messageId === messageId);
    if (found) return found;
  }
  throw new OpsError(
    `no message ${messageId} in the ${queue ?? "transform or load"} DLQ of ${target.description}; \`totes dlq list\` shows the ids`,
  );
}
