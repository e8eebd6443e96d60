import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { objectsInNotification } from "../lib/events/s3-notification.js";
import { OpsError } from "./errors.js";
import { queueDepth, scanQueue } from "./queue-scan.js";
import { dlqRoute, type DlqName, type DlqRoute, type OpsTarget } from "./stage-resources.js";

export interface MovedMessage {
  readonly messageId: string;
  /** The id the message has on the source queue now (undefined on a dry run). */
  readonly newMessageId?: string;
  readonly objectKeys: readonly string[];
}

export interface ReplayReport {
  readonly queue: DlqName;
  /** How the messages moved: SQS's own move task (AWS, everything), or receive → send → delete. */
  readonly method: "move-task" | "receive-send-delete";
  readonly dryRun: boolean;
  /** Moved (or, on a dry run, would move). Empty for a move task, which reports a count. */
  readonly moved: readonly MovedMessage[];
  /** Requested ids that are not in the DLQ. */
  readonly notFound: readonly string[];
  /** Messages the source queue refused; they stay in the DLQ. */
  readonly failed: readonly { readonly messageId: string; readonly error: string }[];
  readonly moveTask?: { readonly taskHandle: string; readonly approximateMessages: number };
}

export interface ReplayOptions {
  /** Only these message ids; all when empty or undefined. */
  readonly ids?: readonly string[];
  readonly dryRun?: boolean;
  readonly onMoved?: (moved: number) => void;
}

/** Long enough to send and delete a page; a crash makes the held messages visible again after it. */
const REPLAY_HOLD_SECONDS = 120;

const keysOf = (m: Message): string[] => {
  try {
    return objectsInNotification(m.Body ?? "").map((o) => o.key);
  } catch {
    return [];
  }
};

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  if (!Attributes?.QueueArn) throw new OpsError(`GetQueueAttributes gave no QueueArn for ${url}`);
  return Attributes.QueueArn;
}

/** SQS's server-side redrive: AWS only, all messages, at SQS's pace. */
async function moveTask(target: OpsTarget, route: DlqRoute): Promise<ReplayReport> {
  const [source, dlq] = await Promise.all([
    queueArn(target.sqs, route.sourceUrl),
    queueArn(target.sqs, route.dlqUrl),
  ]);
  const { visible } = await queueDepth(target.sqs, route.dlqUrl);
  const { TaskHandle } = await target.sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlq, DestinationArn: source }),
  );
  return {
    queue: route.name,
    method: "move-task",
    dryRun: false,
    moved: [],
    notFound: [],
    failed: [],
    moveTask: { taskHandle: TaskHandle ?? "", approximateMessages: visible },
  };
}

/**
 * Sends each selected page to the source queue, then deletes from the DLQ only what the
 * source queue accepted. A crash between the two leaves a message in both queues: a
 * duplicate, which the idempotent stages absorb, never a loss.
 */
async function sendThenDelete(
  sqs: SQSClient,
  route: DlqRoute,
  page: readonly Message[],
  report: { moved: MovedMessage[]; failed: { messageId: string; error: string }[] },
): Promise<string[]> {
  if (page.length === 0) return [];
  const sent = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: route.sourceUrl,
      Entries: page.map((m, n) => ({
        Id: String(n),
        MessageBody: m.Body ?? "",
        ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length
          ? { MessageAttributes: m.MessageAttributes }
          : {}),
      })),
    }),
  );
  for (const f of sent.Failed ?? [])
    report.failed.push({
      messageId: page[Number(f.Id)]?.MessageId ?? "?",
      error: `${f.Code}: ${f.Message ?? ""}`,
    });
  const accepted = (sent.Successful ?? []).map((s) => ({ message: page[Number(s.Id)]!, newId: s.MessageId }));
  if (accepted.length === 0) return [];
  const deleted = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: route.dlqUrl,
      Entries: accepted.map(({ message }, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle! })),
    }),
  );
  for (const f of deleted.Failed ?? [])
    // Sent but still in the DLQ: replaying again would send it twice, which is harmless.
    report.failed.push({
      messageId: accepted[Number(f.Id)]?.message.MessageId ?? "?",
      error: `sent, but not deleted from the DLQ: ${f.Code}: ${f.Message ?? ""}`,
    });
  const failedDeletes = new Set((deleted.Failed ?? []).map((f) => Number(f.Id)));
  const done = accepted.filter((_, n) => !failedDeletes.has(n));
  for (const { message, newId } of done)
    report.moved.push({ messageId: message.MessageId!, newMessageId: newId, objectKeys: keysOf(message) });
  return done.map(({ message }) => message.ReceiptHandle!);
}

/**
 * Moves dead messages back to the queue they came from. On AWS, replaying everything uses
 * StartMessageMoveTask; a selection, a dry run, and the local runtime (which has no move
 * task) go message by message: receive → send → delete.
 */
export async function replayDeadLetters(
  target: OpsTarget,
  queue: DlqName,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const route = dlqRoute(target.resources, queue);
  const ids = new Set(options.ids ?? []);
  const dryRun = options.dryRun ?? false;
  try {
    if (target.kind === "aws" && ids.size === 0 && !dryRun) return await moveTask(target, route);
    const report = { moved: [] as MovedMessage[], failed: [] as { messageId: string; error: string }[] };
    const seen = new Set<string>();
    await scanQueue(target.sqs, route.dlqUrl, {
      holdSeconds: REPLAY_HOLD_SECONDS,
      onPage: async (page) => {
        for (const m of page) seen.add(m.MessageId!);
        const selected = page.filter((m) => ids.size === 0 || ids.has(m.MessageId!));
        if (dryRun) {
          for (const m of selected) report.moved.push({ messageId: m.MessageId!, objectKeys: keysOf(m) });
          return [];
        }
        const gone = await sendThenDelete(target.sqs, route, selected, report);
        options.onMoved?.(report.moved.length);
        return gone;
      },
    });
    return {
      queue,
      method: "receive-send-delete",
      dryRun,
      ...report,
      notFound: [...ids].filter((id) => !seen.has(id)),
    };
  } catch (error) {
    throw new OpsError(
      `replaying the ${queue} DLQ of ${target.description} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Deletes every message in one DLQ, after the caller's explicit confirmation. Returns how many there were. */
export async function purgeDeadLetters(
  target: OpsTarget,
  queue: DlqName,
  options: { confirmed: boolean },
): Promise<number> {
  if (!options.confirmed)
    throw new OpsError(`purging the ${queue} DLQ deletes its messages for good; confirm with --yes`);
  const route = dlqRoute(target.resources, queue);
  const { visible, inFlight, delayed } = await queueDepth(target.sqs, route.dlqUrl);
  await target.sqs.send(new PurgeQueueCommand({ QueueUrl: route.dlqUrl }));
  return visible + inFlight + delayed;
}
