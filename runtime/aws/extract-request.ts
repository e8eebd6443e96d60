import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { extractRequestEntry } from "../../lib/pipeline/extract-events.js";
import { OpsError } from "../errors.js";

export interface ExtractRequestReceipt {
  readonly stage: string;
  readonly detailType: string;
  readonly eventId: string;
  /** The tables a backfill reads in full; absent for a plain extraction. */
  readonly tables?: readonly string[];
}

/**
 * Asks a deployed stage for an extraction now, or a backfill of `tables`: one event on the
 * account's default bus, which the stage's rule (stacks/events.ts) hands to its extract function
 * asynchronously. The caller needs events:PutEvents only. EventBridge accepts an event whether or
 * not a rule matches it: a stage that is not deployed here (or a misspelt one) runs nothing.
 * The function's reserved concurrency of 1 keeps it from overlapping a scheduled run; Lambda
 * retries a throttled event for hours.
 */
export async function requestExtract(
  events: EventBridgeClient,
  stage: string,
  tables?: readonly string[],
): Promise<ExtractRequestReceipt> {
  const entry = extractRequestEntry(stage, tables);
  try {
    const result = await events.send(new PutEventsCommand({ Entries: [entry] }));
    const answer = result.Entries?.[0];
    if ((result.FailedEntryCount ?? 0) > 0 || !answer?.EventId)
      throw new OpsError(
        `EventBridge refused the event: ${answer?.ErrorCode ?? "no event id"}${answer?.ErrorMessage ? ` (${answer.ErrorMessage})` : ""}`,
      );
    return { stage, detailType: entry.DetailType, eventId: answer.EventId, ...(tables ? { tables } : {}) };
  } catch (error) {
    if (error instanceof OpsError)
      throw new OpsError(`requesting ${entry.DetailType} for stage ${stage}: ${error.message}`);
    throw new OpsError(
      `requesting ${entry.DetailType} for stage ${stage} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
