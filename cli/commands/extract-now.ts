import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { awsRegion, OpsError, requestExtract, type ExtractRequestReceipt } from "../../ops/index.js";

/** Puts one extract (or, with `tables`, backfill) request on the default bus of the region. */
export async function sendExtractRequest(
  stage: string,
  tables?: readonly string[],
): Promise<ExtractRequestReceipt> {
  const events = new EventBridgeClient({ region: awsRegion() });
  try {
    return await requestExtract(events, stage, tables);
  } finally {
    events.destroy();
  }
}

/** What an operator is told once EventBridge has the request. */
export const requestSentLine = (r: ExtractRequestReceipt): string =>
  `${r.detailType}${r.tables ? ` (${r.tables.join(", ")} in full)` : ""} for stage ${r.stage} in ${awsRegion()}: EventBridge accepted event ${r.eventId}; its rule starts the extract function. Follow it with \`totes runs --stage ${r.stage}\` (nothing runs if no stage of that name is deployed in this account and region)`;

export async function extractNow(opts: { stage?: string }): Promise<string> {
  // Locally there is no function to fire: `totes run` is the extraction (and what follows it).
  if (!opts.stage)
    throw new OpsError(
      "extract-now asks a deployed stage's extract function for a run: pass --stage S. Locally, `totes run` extracts now and drains the queues.",
    );
  return requestSentLine(await sendExtractRequest(opts.stage));
}
